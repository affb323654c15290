// One forwarded TCP connection of `kubectl port-forward`: connects to 127.0.0.1:PORT (with
// --run-pods a pod's processes run on the host, so the pod's port is the host's) and pumps
// bytes both ways, as the container runtime's PortForward does inside a pod's network namespace:
//
//   Write/CloseWrite ──queue──> writer thread ──send/shutdown(SHUT_WR)──> 127.0.0.1:PORT
//   on_data <── reader thread <──recv── 127.0.0.1:PORT
//
// When the target closes its side, on_data has seen everything; the client then has one second
// to finish its side (containerd's grace) before the connection is torn down. on_done runs once
// at the very end, with the error text for the client ("" when the forward worked).
//
// Backpressure: the reader hands data to on_data as fast as the target sends it.
//
// Thread-safety: thread-safe. Callbacks run on the forward's own threads.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "common/mutex.h"

namespace fairway::sandbox {

class TcpForward : public std::enable_shared_from_this<TcpForward> {
 public:
  struct Callbacks {
    std::function<void(std::string data)> on_data;  // bytes from the target
    std::function<void(std::string error)> on_done;
  };

  // Starts connecting on a thread of its own; the forward keeps itself alive until on_done.
  static std::shared_ptr<TcpForward> Start(uint16_t port, Callbacks callbacks);

  // Queues bytes for the target (also before the connection is up).
  void Write(std::string data);
  // The client sends no more: the target's read side ends after what is queued.
  void CloseWrite();
  // Tears the connection down now (the client reset the stream or went away).
  void Abort();

 private:
  TcpForward(uint16_t port, Callbacks callbacks);
  void Run();
  void ReadLoop(int fd);
  void WriteLoop(int fd);
  void Teardown(int fd);

  const uint16_t port_;
  const Callbacks callbacks_;
  Mutex mu_;
  CondVar changed_;
  std::deque<std::string> queue_ FAIRWAY_GUARDED_BY(mu_);
  bool write_closed_ FAIRWAY_GUARDED_BY(mu_) = false;  // CloseWrite was called
  bool writer_done_ FAIRWAY_GUARDED_BY(mu_) = false;
  bool aborted_ FAIRWAY_GUARDED_BY(mu_) = false;
  int fd_ FAIRWAY_GUARDED_BY(mu_) = -1;  // for Abort's shutdown; closed by Run only
  std::thread writer_;                   // started and joined by Run
};

}  // namespace fairway::sandbox
