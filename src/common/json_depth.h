// Nesting depth of JSON text, measured without parsing it. Servers check a request body with it
// before a parser or the recursive copies, comparisons, walks and serialization of
// nlohmann::json see the body: 200 KB of '[' nest 200,000 levels deep and would overflow the
// stack of the thread handling the request. One implementation for the sandbox API server and
// the admission webhook.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string_view>

namespace fairway {

// Deepest JSON nesting the project's servers accept in a request body. Kubernetes objects stay
// far below it (a CRD with a deep OpenAPI schema, or its managedFields, nests about 100 levels);
// the recursive walks of a body this deep use well under a megabyte of a handler thread's stack.
// kube-apiserver's decoder stops at 10,000 levels, but it runs on growable goroutine stacks.
inline constexpr size_t kMaxJsonDepth = 1000;

// Nesting depth of the arrays and objects in `text` (JSON, or YAML in flow style), skipping the
// insides of double-quoted strings. Stops scanning once the depth exceeds `limit`, so the result
// is at most limit + 1.
size_t JsonDepth(std::string_view text, size_t limit);

}  // namespace fairway
