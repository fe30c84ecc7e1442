#include "core/fetch/ResumableDownload.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/fetch/Digest.h"
#include "core/fetch/FetchErrors.h"
#include "core/fetch/FetchProgress.h"
#include "core/fetch/FileOps.h"

namespace hwb {
namespace fs = std::filesystem;
using fetch_files::format_bytes;
using fetch_files::io_reason;

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kProgressInterval = std::chrono::milliseconds(100);
constexpr std::size_t kMaxErrorBody = 4096;

class FileHandle {
 public:
  explicit FileHandle(int fd) : fd_(fd) {}
  ~FileHandle() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileHandle(const FileHandle&) = delete;
  FileHandle& operator=(const FileHandle&) = delete;
  int get() const { return fd_; }
  // Returns 0 or the errno of a failed close.
  int close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc == 0 ? 0 : errno;
  }

 private:
  int fd_;
};

int64_t size_of(const fs::path& file) {
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  return ec ? -1 : static_cast<int64_t>(size);
}

// "bytes 100-199/1000" -> first byte 100, whole length 1000 (-1 for "*").
bool parse_content_range(const std::string& value, int64_t& first, int64_t& length) {
  long long a = 0, b = 0;
  char whole[32] = {0};
  if (std::sscanf(value.c_str(), "bytes %lld-%lld/%31s", &a, &b, whole) != 3) return false;
  first = a;
  length = whole[0] == '*' ? -1 : std::strtoll(whole, nullptr, 10);
  return true;
}

}  // namespace

ResumableDownload::ResumableDownload(HttpClient& http, DownloadSpec spec)
    : http_(http),
      spec_(std::move(spec)),
      part_(part_path(spec_.dest)),
      sidecar_(sidecar_path(spec_.dest)) {}

fs::path ResumableDownload::part_path(const fs::path& dest) {
  return dest.string() + ".part";
}

fs::path ResumableDownload::sidecar_path(const fs::path& dest) {
  return dest.string() + ".part.json";
}

bool ResumableDownload::matches(const fs::path& file, const ExpectedContent& expected) {
  const int64_t size = size_of(file);
  if (size < 0) return false;
  if (expected.size >= 0 && size != expected.size) return false;
  if (!expected.sha256.empty() && Digest::file_sha256(file) != expected.sha256) return false;
  if (!expected.git_blob_sha1.empty() && Digest::git_blob_sha1(file) != expected.git_blob_sha1) {
    return false;
  }
  return true;
}

// The bytes of an earlier partial download that can be kept: 0 when there is none, or when its
// description is missing or promises another file than the one expected now.
int64_t ResumableDownload::usable_partial() {
  const int64_t size = size_of(part_);
  if (size <= 0) {
    fetch_files::remove_quietly(part_);
    fetch_files::remove_quietly(sidecar_);
    return 0;
  }
  bool same = false;
  try {
    std::ifstream in(sidecar_);
    const nlohmann::json j = nlohmann::json::parse(in);
    same = j.value("size", int64_t{-1}) == spec_.expected.size &&
           j.value("sha256", std::string()) == spec_.expected.sha256 &&
           j.value("git_blob_sha1", std::string()) == spec_.expected.git_blob_sha1;
  } catch (const std::exception&) {
    same = false;
  }
  if (!same || (spec_.expected.size >= 0 && size > spec_.expected.size)) {
    fetch_files::remove_quietly(part_);
    fetch_files::remove_quietly(sidecar_);
    return 0;
  }
  return size;
}

std::string ResumableDownload::read_sidecar_etag() const {
  try {
    std::ifstream in(sidecar_);
    return nlohmann::json::parse(in).value("etag", std::string());
  } catch (const std::exception&) {
    return {};
  }
}

void ResumableDownload::write_sidecar(const std::string& etag) const {
  nlohmann::json j;
  j["url"] = spec_.url;
  j["size"] = spec_.expected.size;
  j["sha256"] = spec_.expected.sha256;
  j["git_blob_sha1"] = spec_.expected.git_blob_sha1;
  j["etag"] = etag;
  fetch_files::write_text_atomically(sidecar_, j.dump(2) + "\n");
}

void ResumableDownload::check_free_space(int64_t offset) const {
  if (spec_.expected.size < 0) return;
  const int64_t needed = spec_.expected.size - offset;
  const int64_t free = fetch_files::free_bytes(spec_.dest.parent_path());
  if (free >= 0 && free < needed) {
    throw Error("not enough free space in '" + spec_.dest.parent_path().string() + "' for " +
                spec_.name + ": it needs " + format_bytes(needed) + " more, " + format_bytes(free) +
                " are free. Free some space there or choose another folder; files already "
                "downloaded are kept.");
  }
}

std::string ResumableDownload::kept_note() const {
  const int64_t kept = std::max<int64_t>(size_of(part_), 0);
  if (kept == 0) return "files already downloaded are kept.";
  return "files already downloaded are kept, and the " + format_bytes(kept) + " of " + spec_.name +
         " received so far are kept in '" + part_.string() +
         "': run the fetch again and it resumes from there.";
}

DownloadOutcome ResumableDownload::run(const ProgressFn& progress) {
  DownloadOutcome outcome;
  if (fs::is_regular_file(spec_.dest) && matches(spec_.dest, spec_.expected)) {
    outcome.already_present = true;
    outcome.size = size_of(spec_.dest);
    return outcome;
  }
  const fs::path folder = spec_.dest.parent_path();
  fetch_files::ensure_folder(folder, "choose another folder to download into");

  int64_t offset = usable_partial();
  outcome.resumed_from = offset;
  const bool complete_part = offset > 0 && offset == spec_.expected.size;
  // Two tries: the second starts from zero after the server sent another file than the partial.
  for (int attempt = 0; attempt < 2 && !complete_part; ++attempt) {
    check_free_space(offset);
    const int fd_raw = ::open(part_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd_raw < 0) {
      throw Error("cannot write '" + part_.string() + "': " + io_reason(errno) +
                  "; choose a folder you can write to. " + kept_note());
    }
    FileHandle fd(fd_raw);
    const std::string old_etag = offset > 0 ? read_sidecar_etag() : std::string();

    enum class Mode { kWaiting, kAppend, kFromZero, kError } mode = Mode::kWaiting;
    bool restart = false;
    bool cancelled = false;
    int write_error = 0;
    int64_t pos = offset;
    int64_t start_pos = offset;
    int64_t received = 0;
    std::string error_body;
    const auto started = Clock::now();
    auto last_report = Clock::time_point{};

    auto report = [&](int64_t length, bool force) {
      const auto now = Clock::now();
      if (!force && now - last_report < kProgressInterval) return true;
      last_report = now;
      TransferProgress p;
      p.done = pos;
      p.total =
          spec_.expected.size >= 0 ? spec_.expected.size : (length >= 0 ? start_pos + length : -1);
      p.resumed_from = start_pos;
      const double seconds = std::chrono::duration<double>(now - started).count();
      p.bytes_per_second = seconds > 0 ? static_cast<double>(received) / seconds : 0.0;
      return !progress || progress(p);
    };

    HttpClient::Handlers handlers;
    handlers.on_headers = [&](const HttpResponse& r) {
      const std::string etag = r.header("etag");
      if (r.status == 206) {
        int64_t first = -1, length = -1;
        const bool parsed = parse_content_range(r.header("content-range"), first, length);
        const bool other_file = !old_etag.empty() && !etag.empty() && etag != old_etag;
        const bool other_length =
            spec_.expected.size >= 0 && length >= 0 && length != spec_.expected.size;
        if (!parsed || first != offset || other_file || other_length) {
          restart = true;
          return false;
        }
        mode = Mode::kAppend;
      } else if (r.status == 200) {
        // The server ignored the range (or there was none): the whole file follows.
        if (::ftruncate(fd.get(), 0) != 0) {
          write_error = errno;
          return false;
        }
        mode = Mode::kFromZero;
        pos = 0;
        start_pos = 0;
      } else {
        mode = Mode::kError;
        return true;
      }
      write_sidecar(etag);
      return true;
    };
    handlers.on_body = [&](std::string_view bytes) {
      if (mode == Mode::kError) {
        if (error_body.size() < kMaxErrorBody) error_body.append(bytes.substr(0, kMaxErrorBody));
        return true;
      }
      std::size_t written = 0;
      while (written < bytes.size()) {
        const ssize_t n = ::pwrite(fd.get(), bytes.data() + written, bytes.size() - written, pos);
        if (n < 0) {
          if (errno == EINTR) continue;
          write_error = errno;
          return false;
        }
        written += static_cast<std::size_t>(n);
        pos += n;
      }
      received += static_cast<int64_t>(bytes.size());
      return true;
    };
    handlers.on_progress = [&](int64_t, int64_t length) {
      if (mode == Mode::kError) return true;
      if (!report(length, false)) {
        cancelled = true;
        return false;
      }
      return true;
    };

    HttpRequest request;
    request.url = spec_.url;
    request.range_from = offset;
    request.bearer_token = spec_.bearer_token;
    const HttpResponse response = http_.get(request, handlers);
    outcome.transferred += received;
    // Data first, then the name: a crash between them leaves a part that resumes.
    if (!write_error && ::fdatasync(fd.get()) != 0 && errno != EINVAL) write_error = errno;
    const int close_error = fd.close();
    if (!write_error) write_error = close_error;

    if (write_error) {
      throw Error("cannot write '" + part_.string() + "': " + io_reason(write_error) +
                  ". Free some space in '" + folder.string() + "' or choose another folder; " +
                  kept_note());
    }
    if (cancelled || response.failure == TransferFailure::kCancelled) {
      throw FetchCancelled(
          "cancelled: " + spec_.name + " stopped at " + format_bytes(pos) +
          (spec_.expected.size >= 0 ? " of " + format_bytes(spec_.expected.size) : std::string()) +
          "; " + kept_note());
    }
    if (restart || response.status == 416) {
      // The partial belongs to another version of the file than the server has now.
      fetch_files::remove_quietly(part_);
      fetch_files::remove_quietly(sidecar_);
      offset = 0;
      outcome.resumed_from = 0;
      continue;
    }
    const bool answered = response.ok() && (mode == Mode::kAppend || mode == Mode::kFromZero);
    if (!answered && size_of(part_) == 0) {
      // Nothing arrived: no empty part and stale description left behind.
      fetch_files::remove_quietly(part_);
      fetch_files::remove_quietly(sidecar_);
    }
    if (!response.ok()) throw_transfer_failure(response, spec_.url, spec_.name, kept_note());
    if (mode == Mode::kError || (response.status != 200 && response.status != 206)) {
      throw_status_error(response, spec_.url, spec_.name, error_body);
    }
    if (mode == Mode::kFromZero) outcome.resumed_from = 0;
    report(-1, true);
    break;
  }
  verify_and_commit();
  outcome.size = size_of(spec_.dest);
  return outcome;
}

void ResumableDownload::verify_and_commit() {
  const int64_t size = size_of(part_);
  if (size < 0) {
    throw Error("the server's answer for " + spec_.name +
                " changed twice while it was fetched; run the fetch again");
  }
  const ExpectedContent& e = spec_.expected;
  if (e.size >= 0 && size != e.size) {
    fetch_files::remove_quietly(part_);
    fetch_files::remove_quietly(sidecar_);
    throw Error("the server sent " + std::to_string(size) + " bytes of " + spec_.name + ", " +
                std::to_string(e.size) + " were expected; it was deleted, run the fetch again");
  }
  std::string expected_digest, actual_digest;
  if (!e.sha256.empty()) {
    expected_digest = e.sha256;
    actual_digest = Digest::file_sha256(part_);
  } else if (!e.git_blob_sha1.empty()) {
    expected_digest = e.git_blob_sha1;
    actual_digest = Digest::git_blob_sha1(part_);
  }
  if (expected_digest != actual_digest) {
    fetch_files::remove_quietly(part_);
    fetch_files::remove_quietly(sidecar_);
    throw Error("checksum mismatch for " + spec_.name + ": expected " + expected_digest + ", got " +
                actual_digest + "; it was deleted, run the fetch again");
  }
  if (std::rename(part_.c_str(), spec_.dest.c_str()) != 0) {
    throw Error("cannot move '" + part_.string() + "' to '" + spec_.dest.string() +
                "': " + io_reason(errno));
  }
  fetch_files::remove_quietly(sidecar_);
  fetch_files::sync_folder(spec_.dest.parent_path());
}

ResumableDownload::ProgressFn ResumableDownload::as_item_progress(FetchProgress& p,
                                                                  int64_t done_before,
                                                                  const FetchProgressFn& report) {
  return [&p, done_before, &report](const TransferProgress& t) {
    p.file_done = t.done;
    p.file_total = t.total;
    p.resumed_from = t.resumed_from;
    p.bytes_per_second = t.bytes_per_second;
    p.item_done = done_before + t.done;
    return !report || report(p);
  };
}

}  // namespace hwb
