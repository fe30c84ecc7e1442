#include "FakeHubServer.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <QCryptographicHash>

#include <cstring>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace hwb::test {

namespace {

std::string hex_digest(const std::string& bytes, QCryptographicHash::Algorithm algorithm) {
  return QCryptographicHash::hash(QByteArray::fromStdString(bytes), algorithm)
      .toHex()
      .toStdString();
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool send_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// The text of the pointer file git stores for an LFS file, whose blob id is the entry's "oid".
std::string lfs_pointer(const std::string& content) {
  return "version https://git-lfs.github.com/spec/v1\noid sha256:" +
         FakeHubServer::sha256_hex(content) + "\nsize " + std::to_string(content.size()) + "\n";
}

}  // namespace

std::string FakeHubServer::sha256_hex(const std::string& content) {
  return hex_digest(content, QCryptographicHash::Sha256);
}

std::string FakeHubServer::git_blob_sha1_hex(const std::string& content) {
  std::string blob = "blob " + std::to_string(content.size());
  blob.push_back('\0');
  return hex_digest(blob + content, QCryptographicHash::Sha1);
}

FakeHubServer::FakeHubServer() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw std::runtime_error("socket() failed");
  const int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;  // the kernel picks a free port
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listen_fd_, 16) != 0) {
    throw std::runtime_error(std::string("cannot listen on 127.0.0.1: ") + std::strerror(errno));
  }
  socklen_t length = sizeof address;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] { serve(); });
}

FakeHubServer::~FakeHubServer() {
  stop_ = true;
  thread_.join();
  ::close(listen_fd_);
}

void FakeHubServer::set_repo(const std::string& repo, std::vector<RepoFile> files) {
  std::lock_guard lock(mutex_);
  for (const RepoFile& f : files) {
    if (f.lfs) cdn_[sha256_hex(f.content)] = f.content;
  }
  repos_[repo] = std::move(files);
}

void FakeHubServer::set_file(const std::string& path, std::string content) {
  std::lock_guard lock(mutex_);
  files_[path] = std::move(content);
}

void FakeHubServer::drop_after(const std::string& path_part, int64_t bytes, int times) {
  std::lock_guard lock(mutex_);
  faults_.push_back({path_part, bytes, times});
}

void FakeHubServer::corrupt(const std::string& path_part, int times) {
  std::lock_guard lock(mutex_);
  faults_.push_back({path_part, -1, times});
}

void FakeHubServer::ignore_range(bool on) {
  std::lock_guard lock(mutex_);
  ignore_range_ = on;
}

void FakeHubServer::throttle(std::size_t bytes, std::chrono::milliseconds pause) {
  std::lock_guard lock(mutex_);
  throttle_bytes_ = bytes;
  throttle_pause_ = pause;
}

std::vector<FakeHubServer::Request> FakeHubServer::requests() const {
  std::lock_guard lock(mutex_);
  return log_;
}

int64_t FakeHubServer::body_bytes(const std::string& path_part) const {
  std::lock_guard lock(mutex_);
  int64_t total = 0;
  for (const auto& [path, bytes] : served_) {
    if (path.find(path_part) != std::string::npos) total += bytes;
  }
  return total;
}

void FakeHubServer::clear_log() {
  std::lock_guard lock(mutex_);
  log_.clear();
  served_.clear();
}

void FakeHubServer::serve() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    timeval timeout{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    handle(fd);
    ::close(fd);
  }
}

void FakeHubServer::handle(int fd) {
  std::string head;
  char buffer[4096];
  while (head.find("\r\n\r\n") == std::string::npos) {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) return;
    head.append(buffer, static_cast<std::size_t>(n));
  }
  Request request;
  const auto line_end = head.find("\r\n");
  const std::string line = head.substr(0, line_end);
  const auto first = line.find(' ');
  const auto second = line.find(' ', first + 1);
  request.path = line.substr(first + 1, second - first - 1);
  std::size_t pos = line_end + 2;
  while (pos < head.size()) {
    const auto end = head.find("\r\n", pos);
    if (end == pos || end == std::string::npos) break;
    const std::string header = head.substr(pos, end - pos);
    const auto colon = header.find(':');
    if (colon != std::string::npos) {
      const auto value = header.find_first_not_of(' ', colon + 1);
      request.headers[lower(header.substr(0, colon))] =
          value == std::string::npos ? std::string() : header.substr(value);
    }
    pos = end + 2;
  }
  Answer answer;
  {
    std::lock_guard lock(mutex_);
    log_.push_back(request);
    answer = route(request);
  }
  send_answer(fd, request, std::move(answer));
}

FakeHubServer::Answer FakeHubServer::route(const Request& request) {
  const std::string& path = request.path;
  Answer not_found;
  not_found.status = 404;
  not_found.body = "Entry not found";
  if (path.rfind("/api/models/", 0) == 0) {
    const auto tree = path.rfind("/tree/");
    const std::string repo = path.substr(12, tree == std::string::npos ? 0 : tree - 12);
    const auto it = repos_.find(repo);
    if (tree == std::string::npos || it == repos_.end()) {
      // What the Hub answers an anonymous client for a repository it does not have.
      Answer a;
      a.status = 401;
      a.headers = {{"X-Error-Code", "RepoNotFound"}, {"Content-Type", "application/json"}};
      a.body = R"({"error":"Repository not found"})";
      return a;
    }
    if (path.substr(tree + 6) != "main") {
      Answer a;
      a.status = 404;
      a.headers = {{"X-Error-Code", "RevisionNotFound"}};
      a.body = R"({"error":"Invalid rev id"})";
      return a;
    }
    nlohmann::json entries = nlohmann::json::array();
    entries.push_back(
        {{"type", "directory"}, {"oid", std::string(40, '0')}, {"size", 0}, {"path", "onnx"}});
    for (const RepoFile& f : it->second) {
      nlohmann::json e{{"type", "file"}, {"size", f.content.size()}, {"path", f.path}};
      if (f.lfs) {
        e["oid"] = git_blob_sha1_hex(lfs_pointer(f.content));
        e["lfs"] = {{"oid", sha256_hex(f.content)},
                    {"size", f.content.size()},
                    {"pointerSize", lfs_pointer(f.content).size()}};
      } else {
        e["oid"] = git_blob_sha1_hex(f.content);
      }
      entries.push_back(std::move(e));
    }
    Answer a;
    a.headers = {{"Content-Type", "application/json"}};
    a.body = entries.dump();
    return a;
  }
  if (const auto resolve = path.find("/resolve/main/"); resolve != std::string::npos) {
    const auto it = repos_.find(path.substr(1, resolve - 1));
    if (it == repos_.end()) return not_found;
    const std::string file = path.substr(resolve + 14);
    for (const RepoFile& f : it->second) {
      if (f.path != file) continue;
      if (!f.lfs) return content(request, f.content);
      Answer a;
      a.status = 302;
      a.headers = {{"Location", url() + "/cdn/" + sha256_hex(f.content)}};
      return a;
    }
    return not_found;
  }
  if (path.rfind("/cdn/", 0) == 0) {
    const auto it = cdn_.find(path.substr(5));
    return it == cdn_.end() ? not_found : content(request, it->second);
  }
  const auto it = files_.find(path);
  return it == files_.end() ? not_found : content(request, it->second);
}

FakeHubServer::Answer FakeHubServer::content(const Request& request, const std::string& bytes) {
  Answer a;
  a.has_content = true;
  a.headers = {{"ETag", "\"" + sha256_hex(bytes) + "\""}, {"Accept-Ranges", "bytes"}};
  const auto range = request.headers.find("range");
  long long from = 0;
  if (range != request.headers.end() && !ignore_range_ &&
      std::sscanf(range->second.c_str(), "bytes=%lld-", &from) == 1) {
    if (from >= static_cast<long long>(bytes.size())) {
      a.status = 416;
      a.has_content = false;
      a.headers.push_back({"Content-Range", "bytes */" + std::to_string(bytes.size())});
      return a;
    }
    a.status = 206;
    a.headers.push_back({"Content-Range", "bytes " + std::to_string(from) + "-" +
                                              std::to_string(bytes.size() - 1) + "/" +
                                              std::to_string(bytes.size())});
    a.body = bytes.substr(static_cast<std::size_t>(from));
  } else {
    a.body = bytes;
  }
  return a;
}

void FakeHubServer::send_answer(int fd, const Request& request, Answer answer) {
  int64_t drop_after = -1;
  std::size_t chunk = 0;
  std::chrono::milliseconds pause{0};
  {
    std::lock_guard lock(mutex_);
    if (answer.has_content) {
      for (Fault& f : faults_) {
        if (f.times <= 0 || request.path.find(f.path_part) == std::string::npos) continue;
        --f.times;
        if (f.drop_after >= 0) {
          drop_after = f.drop_after;
        } else if (!answer.body.empty()) {
          answer.body[answer.body.size() / 2] ^= 0x5a;
        }
      }
      chunk = throttle_bytes_;
      pause = throttle_pause_;
    }
  }
  const char* reason = answer.status == 200   ? "OK"
                       : answer.status == 206 ? "Partial Content"
                       : answer.status == 302 ? "Found"
                       : answer.status == 401 ? "Unauthorized"
                       : answer.status == 404 ? "Not Found"
                       : answer.status == 416 ? "Range Not Satisfiable"
                                              : "Error";
  std::string head = "HTTP/1.1 " + std::to_string(answer.status) + " " + reason + "\r\n";
  for (const auto& [name, value] : answer.headers) head += name + ": " + value + "\r\n";
  head += "Content-Length: " + std::to_string(answer.body.size()) + "\r\nConnection: close\r\n\r\n";
  if (!send_all(fd, head.data(), head.size())) return;
  std::size_t to_send = answer.body.size();
  if (drop_after >= 0)
    to_send = std::min<std::size_t>(to_send, static_cast<std::size_t>(drop_after));
  std::size_t sent = 0;
  while (sent < to_send) {
    const std::size_t n = chunk > 0 ? std::min(chunk, to_send - sent) : to_send - sent;
    if (!send_all(fd, answer.body.data() + sent, n)) break;
    sent += n;
    if (answer.has_content) {
      std::lock_guard lock(mutex_);
      served_.push_back({request.path, static_cast<int64_t>(n)});
    }
    if (chunk > 0 && pause.count() > 0) std::this_thread::sleep_for(pause);
  }
  // The client learns of a drop from the connection closing before Content-Length bytes.
  ::shutdown(fd, SHUT_RDWR);
}

}  // namespace hwb::test
