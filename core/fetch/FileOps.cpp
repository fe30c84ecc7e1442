#include "core/fetch/FileOps.h"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/util/Error.h"

namespace hwb::fetch_files {
namespace fs = std::filesystem;

std::string io_reason(int err) {
  if (err == ENOSPC || err == EDQUOT)
    return "the disk is full (" + std::string(std::strerror(err)) + ")";
  if (err == EROFS) return "the file system is read-only";
  if (err == EACCES || err == EPERM) return "permission denied";
  return std::strerror(err);
}

void ensure_folder(const fs::path& dir, std::string_view fix) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) {
    const std::string reason = ec ? io_reason(ec.value()) : "a file of that name is in the way";
    throw Error("cannot create the folder '" + dir.string() + "': " + reason + "; " +
                std::string(fix));
  }
}

void write_text_atomically(const fs::path& file, std::string_view text) {
  const fs::path temp = file.string() + ".tmp-" + std::to_string(::getpid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw Error("cannot write '" + file.string() + "': " + io_reason(errno));
  }
  std::size_t written = 0;
  int err = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      err = errno;
      break;
    }
    written += static_cast<std::size_t>(n);
  }
  if (!err && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && !err) err = errno;
  if (!err && std::rename(temp.c_str(), file.c_str()) != 0) err = errno;
  if (err) {
    ::unlink(temp.c_str());
    throw Error("cannot write '" + file.string() + "': " + io_reason(err));
  }
  sync_folder(file.parent_path());
}

void sync_folder(const fs::path& dir) {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

int64_t free_bytes(const fs::path& dir) {
  struct statvfs st {};
  if (::statvfs(dir.c_str(), &st) != 0) return -1;
  return static_cast<int64_t>(st.f_bavail) * static_cast<int64_t>(st.f_frsize);
}

void remove_quietly(const fs::path& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
}

std::string format_bytes(int64_t bytes) {
  if (bytes < 0) return "?";
  if (bytes < 1024) return std::to_string(bytes) + " B";
  static const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes) / 1024.0;
  int unit = 0;
  while (value >= 1024.0 && unit < 3) {
    value /= 1024.0;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, "%.1f %s", value, kUnits[unit]);
  return text;
}

}  // namespace hwb::fetch_files
