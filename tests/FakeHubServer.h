#pragma once

// A local HTTP/1.1 server on 127.0.0.1 (an ephemeral port) laid out as the real endpoints are,
// for the model and data manager's tests: the Hugging Face Hub's tree API and resolve URLs (LFS
// files answered with a 302 to a /cdn/<sha256> URL, as the Hub redirects to its CDN), plain
// files (GLUE's), Range requests answered 206, and knobs to misbehave the way real networks and
// servers do. Runs on its own thread; one connection at a time, each closed after its answer.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace hwb::test {

class FakeHubServer {
 public:
  struct RepoFile {
    std::string path;
    std::string content;
    bool lfs = false;
  };
  struct Request {
    std::string path;
    std::map<std::string, std::string> headers;  // names lower-case
  };

  FakeHubServer();
  ~FakeHubServer();
  FakeHubServer(const FakeHubServer&) = delete;
  FakeHubServer& operator=(const FakeHubServer&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  uint16_t port() const { return port_; }

  // A model repository at revision "main"; replaces one of the same id (an upstream change).
  void set_repo(const std::string& repo, std::vector<RepoFile> files);
  // A file at `path` ("/glue/data/SST-2.zip").
  void set_file(const std::string& path, std::string content);

  // Misbehaviour for the next `times` answers with content whose URL path contains `path_part`:
  // send the headers of the whole answer, then only `bytes` of its body, then close.
  void drop_after(const std::string& path_part, int64_t bytes, int times = 1);
  // Flip one byte in the middle of the body.
  void corrupt(const std::string& path_part, int times = 1);
  // Answer every Range request with 200 and the whole file, as some servers and proxies do.
  void ignore_range(bool on);
  // Send bodies in chunks of `bytes` with a pause after each (0 bytes: at once).
  void throttle(std::size_t bytes, std::chrono::milliseconds pause);

  std::vector<Request> requests() const;
  // File bytes sent (not API answers) for URL paths containing `path_part`, since the start or
  // clear_log().
  int64_t body_bytes(const std::string& path_part) const;
  void clear_log();

  static std::string sha256_hex(const std::string& content);
  static std::string git_blob_sha1_hex(const std::string& content);

 private:
  struct Fault {
    std::string path_part;
    int64_t drop_after = -1;  // -1: no drop, corrupt instead
    int times = 0;
  };
  struct Answer {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    bool has_content = false;  // a file's bytes (Range, faults and throttling apply)
  };

  void serve();
  void handle(int fd);
  Answer route(const Request& request);
  Answer content(const Request& request, const std::string& bytes);
  void send_answer(int fd, const Request& request, Answer answer);

  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;

  mutable std::mutex mutex_;
  std::map<std::string, std::vector<RepoFile>> repos_;
  std::map<std::string, std::string> files_;
  std::map<std::string, std::string> cdn_;  // sha256 -> content
  std::vector<Fault> faults_;
  bool ignore_range_ = false;
  std::size_t throttle_bytes_ = 0;
  std::chrono::milliseconds throttle_pause_{0};
  std::vector<Request> log_;
  std::vector<std::pair<std::string, int64_t>> served_;
};

}  // namespace hwb::test
