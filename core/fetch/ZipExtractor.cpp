#include "core/fetch/ZipExtractor.h"

#include <fcntl.h>
#include <unistd.h>
#include <zip.h>

#include <cerrno>
#include <memory>
#include <vector>

#include "core/fetch/FileOps.h"
#include "core/util/Error.h"

namespace hwb {
namespace fs = std::filesystem;

namespace {

struct ArchiveCloser {
  void operator()(zip_t* z) const { zip_discard(z); }  // read-only: nothing to write back
};
struct EntryCloser {
  void operator()(zip_file_t* f) const { zip_fclose(f); }
};

bool safe_relative(const std::string& name) {
  if (name.empty() || name.front() == '/') return false;
  for (const auto& part : fs::path(name)) {
    if (part == "..") return false;
  }
  return true;
}

}  // namespace

ZipExtractor::ZipExtractor(fs::path archive) : archive_(std::move(archive)) {}

std::vector<std::string> ZipExtractor::extract(const std::string& folder,
                                               const fs::path& dest) const {
  int error_code = 0;
  std::unique_ptr<zip_t, ArchiveCloser> zip(
      zip_open(archive_.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &error_code));
  if (!zip) {
    zip_error_t error;
    zip_error_init_with_code(&error, error_code);
    const std::string reason = zip_error_strerror(&error);
    zip_error_fini(&error);
    throw Error("'" + archive_.string() + "' is not a readable zip archive (" + reason + ")");
  }
  const std::string prefix = folder + "/";
  std::vector<std::string> written;
  std::vector<char> buffer(std::size_t{1} << 20);
  const zip_int64_t entries = zip_get_num_entries(zip.get(), 0);
  for (zip_int64_t i = 0; i < entries; ++i) {
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(zip.get(), static_cast<zip_uint64_t>(i), 0, &st) != 0 || !st.name) continue;
    const std::string name = st.name;
    if (name.rfind(prefix, 0) != 0 || name.size() == prefix.size()) continue;
    const std::string relative = name.substr(prefix.size());
    const std::string where = "'" + archive_.string() + "', entry " + name;
    if (!safe_relative(relative)) {
      throw Error(where +
                  ": the name leads out of the folder it is extracted to; the archive is "
                  "not GLUE's, nothing was extracted from it");
    }
    const fs::path target = dest / relative;
    if (name.back() == '/') {
      fetch_files::ensure_folder(target, "choose another folder for the data");
      continue;
    }
    fetch_files::ensure_folder(target.parent_path(), "choose another folder for the data");
    std::unique_ptr<zip_file_t, EntryCloser> entry(
        zip_fopen_index(zip.get(), static_cast<zip_uint64_t>(i), 0));
    if (!entry) {
      throw Error(where + " cannot be read: " + zip_strerror(zip.get()));
    }
    const int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      throw Error("cannot write '" + target.string() + "': " + fetch_files::io_reason(errno));
    }
    uint64_t total = 0;
    int write_error = 0;
    zip_int64_t n = 0;
    while ((n = zip_fread(entry.get(), buffer.data(), buffer.size())) > 0) {
      zip_int64_t off = 0;
      while (off < n) {
        const ssize_t w = ::write(fd, buffer.data() + off, static_cast<std::size_t>(n - off));
        if (w < 0) {
          if (errno == EINTR) continue;
          write_error = errno;
          break;
        }
        off += w;
      }
      if (write_error) break;
      total += static_cast<uint64_t>(n);
    }
    if (::close(fd) != 0 && !write_error) write_error = errno;
    if (write_error) {
      throw Error("cannot write '" + target.string() + "': " + fetch_files::io_reason(write_error));
    }
    // A failed read after the last byte is how libzip reports a CRC-32 mismatch.
    if (n < 0) {
      throw Error(where + " is damaged (" + zip_file_strerror(entry.get()) + ")");
    }
    if ((st.valid & ZIP_STAT_SIZE) && total != st.size) {
      throw Error(where + " is damaged: " + std::to_string(total) +
                  " bytes where the archive says " + std::to_string(st.size));
    }
    written.push_back(relative);
  }
  return written;
}

}  // namespace hwb
