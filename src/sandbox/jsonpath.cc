#include "sandbox/jsonpath.h"

#include <cctype>

namespace fairway::sandbox {
namespace {

// Reads a field name up to '.', '[' or end, honouring backslash escapes.
std::string ReadName(const std::string& s, size_t* i) {
  std::string out;
  while (*i < s.size() && s[*i] != '.' && s[*i] != '[') {
    if (s[*i] == '\\' && *i + 1 < s.size()) ++*i;
    out.push_back(s[*i]);
    ++*i;
  }
  return out;
}

bool ParseLiteral(std::string text, nlohmann::json* out) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.erase(0, 1);
  if (text.size() >= 2 && (text.front() == '"' || text.front() == '\'') && text.back() == text.front()) {
    *out = text.substr(1, text.size() - 2);
    return true;
  }
  if (text == "true" || text == "false") {
    *out = text == "true";
    return true;
  }
  try {
    size_t used = 0;
    double d = std::stod(text, &used);
    if (used != text.size()) return false;
    *out = d;
    return true;
  } catch (...) {
    return false;
  }
}

bool LooseEquals(const nlohmann::json& a, const nlohmann::json& b) {
  if (a.is_number() && b.is_number()) return a.get<double>() == b.get<double>();
  return a == b;
}

}  // namespace

bool JsonPath::Parse(const std::string& raw) {
  steps_.clear();
  std::string s = raw;
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.erase(0, 1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  if (s.size() >= 2 && s.front() == '{' && s.back() == '}') s = s.substr(1, s.size() - 2);
  if (!s.empty() && s[0] == '$') s.erase(0, 1);
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] == '.') {
      ++i;
      if (i < s.size() && s[i] == '*') {
        {
          Step w;
          w.kind = Step::kWildcard;
          steps_.push_back(w);
        }
        ++i;
        continue;
      }
      Step st;
      st.name = ReadName(s, &i);
      if (st.name.empty()) return false;
      steps_.push_back(st);
    } else if (s[i] == '[') {
      size_t close = std::string::npos;
      if (s.compare(i, 3, "[?(") == 0) {
        close = s.find(")]", i);
        if (close == std::string::npos) return false;
        std::string expr = s.substr(i + 3, close - i - 3);
        i = close + 2;
        size_t op = expr.find("==");
        std::string opstr = "==";
        if (op == std::string::npos) {
          op = expr.find("!=");
          opstr = "!=";
        }
        if (op == std::string::npos) return false;
        std::string lhs = expr.substr(0, op);
        while (!lhs.empty() && std::isspace(static_cast<unsigned char>(lhs.back()))) lhs.pop_back();
        if (lhs.rfind("@.", 0) != 0) return false;
        Step st;
        st.kind = Step::kFilter;
        st.filter_op = opstr;
        size_t j = 2;
        while (j < lhs.size()) {
          std::string part = ReadName(lhs, &j);
          if (part.empty()) return false;
          st.filter_path.push_back(part);
          if (j < lhs.size() && lhs[j] == '.') ++j;
        }
        if (!ParseLiteral(expr.substr(op + 2), &st.filter_value)) return false;
        steps_.push_back(st);
        continue;
      }
      close = s.find(']', i);
      if (close == std::string::npos) return false;
      std::string inner = s.substr(i + 1, close - i - 1);
      i = close + 1;
      Step st;
      if (inner == "*") {
        st.kind = Step::kWildcard;
      } else if (inner.size() >= 2 && (inner.front() == '\'' || inner.front() == '"')) {
        st.kind = Step::kField;
        st.name = inner.substr(1, inner.size() - 2);
      } else {
        try {
          size_t used = 0;
          st.index = std::stoll(inner, &used);
          if (used != inner.size()) return false;
        } catch (...) {
          return false;
        }
        st.kind = Step::kIndex;
      }
      steps_.push_back(st);
    } else {
      // A bare leading name ("spec.gpus") is accepted as ".spec.gpus".
      if (!steps_.empty()) return false;
      Step st;
      st.name = ReadName(s, &i);
      if (st.name.empty()) return false;
      steps_.push_back(st);
    }
  }
  return true;
}

std::vector<nlohmann::json> JsonPath::Evaluate(const nlohmann::json& doc) const {
  std::vector<const nlohmann::json*> cur = {&doc};
  for (const Step& st : steps_) {
    std::vector<const nlohmann::json*> next;
    for (const nlohmann::json* v : cur) {
      switch (st.kind) {
        case Step::kField:
          if (v->is_object()) {
            auto it = v->find(st.name);
            if (it != v->end()) next.push_back(&*it);
          }
          break;
        case Step::kIndex:
          if (v->is_array()) {
            int64_t n = static_cast<int64_t>(v->size());
            int64_t idx = st.index < 0 ? n + st.index : st.index;
            if (idx >= 0 && idx < n) next.push_back(&(*v)[static_cast<size_t>(idx)]);
          }
          break;
        case Step::kWildcard:
          if (v->is_array() || v->is_object()) {
            for (const auto& e : *v) next.push_back(&e);
          }
          break;
        case Step::kFilter:
          if (v->is_array()) {
            for (const auto& e : *v) {
              const nlohmann::json* f = &e;
              for (const std::string& p : st.filter_path) {
                if (f == nullptr || !f->is_object() || !f->contains(p)) {
                  f = nullptr;
                  break;
                }
                f = &(*f)[p];
              }
              bool eq = f != nullptr && LooseEquals(*f, st.filter_value);
              if (f != nullptr && eq == (st.filter_op == "==")) next.push_back(&e);
            }
          }
          break;
      }
    }
    cur = std::move(next);
  }
  std::vector<nlohmann::json> out;
  out.reserve(cur.size());
  for (const nlohmann::json* v : cur) out.push_back(*v);
  return out;
}

}  // namespace fairway::sandbox
