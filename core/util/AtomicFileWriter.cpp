#include "core/util/AtomicFileWriter.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "core/util/Error.h"

namespace hwb {
namespace fs = std::filesystem;

namespace {

std::string describe_errno(int err) {
  if (err == ENOSPC || err == EDQUOT) return "the disk is full; free some space and try again";
  if (err == EROFS) return "the file system is read-only; choose a writable folder";
  if (err == EACCES || err == EPERM) return "permission denied; choose a folder you can write to";
  return std::strerror(err);
}

// Read, not set: umask() can only be queried by changing it, which races with other threads
// creating files.
mode_t process_umask() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Umask:", 0) == 0)
      return static_cast<mode_t>(std::stoul(line.substr(6), nullptr, 8));
  }
  return 022;
}

}  // namespace

AtomicFileWriter::AtomicFileWriter(fs::path target) : target_(std::move(target)) {
  const fs::path folder = target_.has_parent_path() ? target_.parent_path() : fs::path(".");
  std::string pattern = (folder / ("." + target_.filename().string() + ".tmp-XXXXXX")).string();
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  fd_ = ::mkstemp(name.data());
  if (fd_ < 0) {
    throw Error("Cannot write '" + target_.string() + "': " + describe_errno(errno));
  }
  temp_ = fs::path(name.data());
  // mkstemp makes the file private (0600); the result is an ordinary file of the user's, so it
  // gets the mode any new file would (0666 less the umask).
  ::fchmod(fd_, 0666 & ~process_umask());
}

AtomicFileWriter::~AtomicFileWriter() {
  if (fd_ >= 0) ::close(fd_);
  if (!temp_.empty()) {
    std::error_code ec;
    fs::remove(temp_, ec);
  }
}

void AtomicFileWriter::write(std::span<const std::byte> data) {
  const std::byte* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    const ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error("Cannot write '" + target_.string() + "': " + describe_errno(errno) +
                  " (the previous file, if any, is unchanged)");
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

void AtomicFileWriter::write(std::string_view text) {
  write(std::as_bytes(std::span<const char>(text.data(), text.size())));
}

void AtomicFileWriter::commit() {
  if (::fsync(fd_) != 0 || ::close(fd_) != 0) {
    const int err = errno;
    fd_ = -1;
    throw Error("Cannot write '" + target_.string() + "': " + describe_errno(err) +
                " (the previous file, if any, is unchanged)");
  }
  fd_ = -1;
  std::error_code ec;
  fs::rename(temp_, target_, ec);
  if (ec) {
    throw Error("Cannot replace '" + target_.string() + "': " + ec.message());
  }
  temp_.clear();
  // Make the rename itself durable.
  const fs::path folder = target_.has_parent_path() ? target_.parent_path() : fs::path(".");
  const int dir_fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}

}  // namespace hwb
