// libFuzzer target for the sandbox's SPDY/3.1 reader (src/sandbox/spdy_framer.h,
// spdy_headers.h, spdy_session.h): what a port-forward client can send. The first byte sets the
// chunk size the rest is fed in. Properties: nothing crashes, trips a sanitizer or throws; the
// frames read do not depend on how the bytes were chunked; every frame read serializes to bytes
// that read back as the same frame; a session fed the input answers with well-formed frames.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/spdy_framer.h"
#include "sandbox/spdy_headers.h"
#include "sandbox/spdy_session.h"

namespace {

namespace spdy = fairway::sandbox::spdy;

[[noreturn]] void Violation(const char* what) {
  std::fprintf(stderr, "property violated: %s\n", what);
  std::abort();
}

bool Same(const spdy::Frame& a, const spdy::Frame& b) {
  return a.type == b.type && a.flags == b.flags && a.stream_id == b.stream_id &&
         a.associated_id == b.associated_id && a.priority == b.priority && a.value == b.value &&
         a.payload == b.payload;
}

// Frames of `input` fed `chunk` bytes at a time, up to the first error.
std::vector<spdy::Frame> ReadFrames(std::string_view input, size_t chunk) {
  spdy::FrameReader reader;
  std::vector<spdy::Frame> out;
  for (size_t at = 0; at < input.size(); at += chunk) {
    reader.Append(input.substr(at, chunk));
    for (;;) {
      fairway::StatusOr<std::optional<spdy::Frame>> f = reader.Next();
      if (!f.ok()) return out;
      if (!f->has_value()) break;
      out.push_back(**f);
    }
  }
  return out;
}

void CheckRoundTrip(const spdy::Frame& f) {
  fairway::StatusOr<std::string> bytes = spdy::SerializeFrame(f);
  if (!bytes.ok()) Violation("a frame that was read does not serialize");
  std::vector<spdy::Frame> back = ReadFrames(*bytes, bytes->size());
  if (back.size() != 1 || !Same(back[0], f)) Violation("a frame does not read back as itself");
}

// Accepts every stream and discards what arrives on it.
class Sink : public spdy::Session::Delegate {
 public:
  fairway::Status CheckStream(const spdy::HeaderBlock& headers) override {
    return headers.empty() ? fairway::InvalidArgumentError("no headers") : fairway::OkStatus();
  }
  void OnStreamOpened(uint32_t id, const spdy::HeaderBlock&) override { opened.push_back(id); }
  void OnStreamData(uint32_t, std::string) override {}
  void OnStreamFinished(uint32_t, bool) override {}
  std::vector<uint32_t> opened;
};

void CheckSession(std::string_view input, size_t chunk) {
  std::string written;
  Sink sink;
  spdy::Session session(&sink, [&](std::string bytes) { written += bytes; });
  for (size_t at = 0; at < input.size(); at += chunk) {
    if (!session.Receive(input.substr(at, chunk)).ok()) break;
  }
  // Answer data for every opened stream, then check all the session wrote is well formed.
  for (uint32_t id : sink.opened) session.SendData(id, "reply", /*fin=*/true);
  spdy::FrameReader reader;
  reader.Append(written);
  for (;;) {
    fairway::StatusOr<std::optional<spdy::Frame>> f = reader.Next();
    if (!f.ok()) Violation("the session wrote a malformed frame");
    if (!f->has_value()) break;
  }
  if (reader.buffered() != 0) Violation("the session wrote a partial frame");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const size_t chunk = 1 + data[0] % 64;
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  std::vector<spdy::Frame> whole = ReadFrames(input, input.size() + 1);
  std::vector<spdy::Frame> chunked = ReadFrames(input, chunk);
  if (whole.size() != chunked.size()) Violation("chunking changed the number of frames");
  spdy::HeaderDecompressor headers;
  for (size_t i = 0; i < whole.size(); ++i) {
    if (!Same(whole[i], chunked[i])) Violation("chunking changed a frame");
    CheckRoundTrip(whole[i]);
    if (whole[i].type == spdy::FrameType::kSynStream) (void)headers.Decompress(whole[i].payload);
  }
  CheckSession(input, chunk);
  return 0;
}
