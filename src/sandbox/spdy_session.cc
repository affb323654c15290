#include "sandbox/spdy_session.h"

#include <algorithm>
#include <utility>

#include "common/log.h"

namespace fairway::sandbox::spdy {
namespace {

const Logger& Log() {
  static const Logger logger("sandbox.spdy");
  return logger;
}

}  // namespace

Session::Session(Delegate* delegate, Writer writer)
    : delegate_(delegate), writer_(std::move(writer)) {}

Status Session::Receive(std::string_view bytes) {
  if (failed_) return FailedPreconditionError("SPDY connection already failed");
  reader_.Append(bytes);
  for (;;) {
    StatusOr<std::optional<Frame>> frame = reader_.Next();
    if (!frame.ok()) return ProtocolError(frame.status());
    if (!frame->has_value()) return OkStatus();
    Status s = Dispatch(std::move(**frame));
    if (!s.ok()) return ProtocolError(s);
  }
}

Status Session::Dispatch(Frame frame) {
  switch (frame.type) {
    case FrameType::kSynStream:
      return OnSynStream(frame);
    case FrameType::kData:
      OnData(frame);
      return OkStatus();
    case FrameType::kRstStream: {
      {
        MutexLock lock(&mu_);
        if (streams_.erase(frame.stream_id) == 0) return OkStatus();
      }
      delegate_->OnStreamFinished(frame.stream_id, /*reset=*/true);
      return OkStatus();
    }
    case FrameType::kPing: {
      // Odd ids are the client's pings, to be echoed; even ones would answer ours (none sent).
      if ((frame.value & 1) == 0) return OkStatus();
      MutexLock lock(&mu_);
      WriteLocked(frame);
      return OkStatus();
    }
    case FrameType::kSynReply:
    case FrameType::kHeaders:
      // The server opens no streams, and kubectl sends no trailing headers; the block still
      // has to be inflated to keep the connection's zlib stream in step.
      return decompressor_.Decompress(frame.payload).status();
    case FrameType::kSettings:
    case FrameType::kGoAway:
    case FrameType::kWindowUpdate:
      return OkStatus();
  }
  return OkStatus();
}

Status Session::OnSynStream(const Frame& frame) {
  StatusOr<HeaderBlock> headers = decompressor_.Decompress(frame.payload);
  if (!headers.ok()) return headers.status();
  if ((frame.stream_id & 1) == 0 || frame.stream_id <= last_client_stream_) {
    return InvalidArgumentError("client stream id " + std::to_string(frame.stream_id) +
                                " is even or not above " + std::to_string(last_client_stream_));
  }
  last_client_stream_ = frame.stream_id;
  if (Status check = delegate_->CheckStream(*headers); !check.ok()) {
    FAIRWAY_LOG(Log(), kInfo, "stream refused",
                {{"stream", std::to_string(frame.stream_id)}, {"reason", check.message()}});
    Reset(frame.stream_id, RstStatus::kRefusedStream);
    return OkStatus();
  }
  {
    MutexLock lock(&mu_);
    StreamState state;
    state.remote_done = (frame.flags & (kFlagFin | kFlagUnidirectional)) != 0;
    streams_[frame.stream_id] = state;
    StatusOr<std::string> block = compressor_.Compress({});
    if (!block.ok()) return block.status();
    Frame reply;
    reply.type = FrameType::kSynReply;
    reply.stream_id = frame.stream_id;
    reply.payload = *std::move(block);
    WriteLocked(reply);
  }
  delegate_->OnStreamOpened(frame.stream_id, *headers);
  if ((frame.flags & kFlagFin) != 0) delegate_->OnStreamFinished(frame.stream_id, false);
  return OkStatus();
}

void Session::OnData(const Frame& frame) {
  const bool fin = (frame.flags & kFlagFin) != 0;
  {
    MutexLock lock(&mu_);
    auto it = streams_.find(frame.stream_id);
    if (it == streams_.end() || it->second.remote_done) {
      Frame rst;
      rst.type = FrameType::kRstStream;
      rst.stream_id = frame.stream_id;
      rst.value = static_cast<uint32_t>(it == streams_.end() ? RstStatus::kInvalidStream
                                                             : RstStatus::kStreamAlreadyClosed);
      WriteLocked(rst);
      return;
    }
    if (fin) {
      it->second.remote_done = true;
      ForgetIfDoneLocked(frame.stream_id);
    }
  }
  if (!frame.payload.empty()) delegate_->OnStreamData(frame.stream_id, frame.payload);
  if (fin) delegate_->OnStreamFinished(frame.stream_id, false);
}

void Session::SendData(uint32_t id, std::string_view data, bool fin) {
  MutexLock lock(&mu_);
  auto it = streams_.find(id);
  if (it == streams_.end() || it->second.local_done) return;
  Frame f;
  f.type = FrameType::kData;
  f.stream_id = id;
  do {
    const size_t n = std::min<size_t>(data.size(), kMaxPayload);
    f.payload = std::string(data.substr(0, n));
    data.remove_prefix(n);
    f.flags = fin && data.empty() ? kFlagFin : 0;
    WriteLocked(f);
  } while (!data.empty());
  if (fin) {
    it->second.local_done = true;
    ForgetIfDoneLocked(id);
  }
}

void Session::Reset(uint32_t id, RstStatus status) {
  MutexLock lock(&mu_);
  streams_.erase(id);
  Frame f;
  f.type = FrameType::kRstStream;
  f.stream_id = id;
  f.value = static_cast<uint32_t>(status);
  WriteLocked(f);
}

size_t Session::open_streams() const {
  MutexLock lock(&mu_);
  return streams_.size();
}

Status Session::ProtocolError(const Status& why) {
  failed_ = true;
  FAIRWAY_LOG(Log(), kWarn, "protocol error, closing", {{"error", why.message()}});
  MutexLock lock(&mu_);
  Frame f;
  f.type = FrameType::kGoAway;
  f.stream_id = last_client_stream_;
  f.value = static_cast<uint32_t>(GoAwayStatus::kProtocolError);
  WriteLocked(f);
  return why;
}

void Session::WriteLocked(const Frame& frame) {
  StatusOr<std::string> bytes = SerializeFrame(frame);
  // Every frame made here has a valid id and a payload under kMaxPayload.
  if (bytes.ok()) writer_(*std::move(bytes));
}

void Session::ForgetIfDoneLocked(uint32_t id) {
  auto it = streams_.find(id);
  if (it != streams_.end() && it->second.remote_done && it->second.local_done) streams_.erase(it);
}

}  // namespace fairway::sandbox::spdy
