#include "core/fetch/GlueFetcher.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "core/fetch/FileOps.h"
#include "core/fetch/MrpcFiles.h"
#include "core/fetch/ResumableDownload.h"
#include "core/fetch/ZipExtractor.h"
#include "core/util/Error.h"

namespace hwb {
namespace fs = std::filesystem;

std::string GlueFetchOptions::base_url_from_environment(const std::string& catalog_base_url) {
  const char* url = std::getenv("HWB_GLUE_URL");
  return url && *url ? std::string(url) : catalog_base_url;
}

GlueFetcher::GlueFetcher(HttpClient& http, GlueFetchOptions options)
    : http_(http), options_(std::move(options)) {
  while (!options_.base_url.empty() && options_.base_url.back() == '/')
    options_.base_url.pop_back();
}

bool GlueFetcher::is_complete(const fs::path& glue_dir, const GlueSource& source) {
  for (const std::string& f : source.required) {
    if (!fs::is_regular_file(glue_dir / source.folder / f)) return false;
  }
  return true;
}

fs::path GlueFetcher::downloads_dir(const fs::path& glue_dir) {
  return glue_dir / ".downloads";
}

fs::path GlueFetcher::download_path(const fs::path& glue_dir, const RemoteFile& file) {
  return downloads_dir(glue_dir) / fs::path(file.path).filename();
}

GlueFetchResult GlueFetcher::fetch(const GlueSource& source, const FetchProgressFn& progress) {
  GlueFetchResult result;
  const fs::path& glue_dir = options_.glue_dir;
  result.folder = glue_dir / source.folder;
  if (is_complete(glue_dir, source)) {
    result.already_present = true;
    return result;
  }
  fetch_files::ensure_folder(downloads_dir(glue_dir), "choose another folder for the data");

  FetchProgress p;
  p.item = source.folder;
  p.file_count = static_cast<int>(source.files.size());
  p.item_total = source.download_size();
  int64_t done_before = 0;
  for (std::size_t i = 0; i < source.files.size(); ++i) {
    const RemoteFile& file = source.files[i];
    DownloadSpec spec;
    spec.url = options_.base_url + "/" + file.path;
    spec.dest = download_path(glue_dir, file);
    spec.name = spec.dest.filename().string() + " (GLUE " + source.folder + ")";
    spec.expected.size = file.size;
    spec.expected.sha256 = file.sha256;
    p.file = spec.dest.filename().string();
    p.file_index = static_cast<int>(i) + 1;
    ResumableDownload download(http_, spec);
    const DownloadOutcome outcome =
        download.run(ResumableDownload::as_item_progress(p, done_before, progress));
    result.transferred += outcome.transferred;
    result.resumed_bytes += outcome.resumed_from;
    done_before += outcome.size;
  }

  // Built beside its final place (one file system, so the rename is atomic), under a name the
  // readers and the manager never take for a task.
  const fs::path staging =
      glue_dir / ("." + source.folder + ".partial-" + std::to_string(::getpid()));
  fetch_files::remove_quietly(staging);
  try {
    if (source.kind == GlueSource::Kind::kZip) {
      result.files = ZipExtractor(download_path(glue_dir, *source.file("archive")))
                         .extract(source.archive_folder, staging);
    } else {
      MrpcFiles::build(download_path(glue_dir, *source.file("train")),
                       download_path(glue_dir, *source.file("test")),
                       download_path(glue_dir, *source.file("dev_ids")), staging);
      result.files = {"train.tsv", "dev.tsv", "test.tsv"};
    }
    for (const std::string& f : source.required) {
      if (!fs::is_regular_file(staging / f)) {
        throw Error("the download of GLUE " + source.folder + " has no " + source.folder + "/" + f +
                    ", which the " + source.task + " reader needs; the source at " +
                    options_.base_url + " is not GLUE's");
      }
    }
    // A folder put there by hand, lacking files the readers need: moved aside, not merged and
    // not deleted, as it may hold something of the person's own.
    if (fs::exists(result.folder)) {
      fs::path aside = glue_dir / (source.folder + ".before-fetch");
      for (int n = 2; fs::exists(aside); ++n) {
        aside = glue_dir / (source.folder + ".before-fetch-" + std::to_string(n));
      }
      fs::rename(result.folder, aside);
      result.moved_aside = aside;
    }
    fs::rename(staging, result.folder);
    fetch_files::sync_folder(glue_dir);
  } catch (const fs::filesystem_error& e) {
    fetch_files::remove_quietly(staging);
    throw Error("cannot put GLUE " + source.folder + " in place in '" + glue_dir.string() +
                "': " + fetch_files::io_reason(e.code().value()) +
                "; the verified downloads are kept in '" + downloads_dir(glue_dir).string() +
                "', run the fetch again");
  } catch (...) {
    fetch_files::remove_quietly(staging);
    throw;
  }
  for (const RemoteFile& file : source.files)
    fetch_files::remove_quietly(download_path(glue_dir, file));
  std::error_code ec;
  fs::remove(downloads_dir(glue_dir), ec);  // only when empty: other tasks' parts stay
  return result;
}

}  // namespace hwb
