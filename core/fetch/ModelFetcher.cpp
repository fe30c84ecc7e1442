#include "core/fetch/ModelFetcher.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/fetch/FetchErrors.h"
#include "core/fetch/FileOps.h"
#include "core/fetch/ModelManifest.h"
#include "core/fetch/ResumableDownload.h"
#include "core/fetch/T5FileSelection.h"

namespace hwb {
namespace fs = std::filesystem;

namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The known id closest to a mistyped one, when it is close enough to be what was meant.
std::string suggestion(const std::string& id, const std::vector<std::string>& known) {
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(3, id.size() / 4) + 1;
  for (const std::string& k : known) {
    // Without its organisation ("t5-small" for google-t5/t5-small) an id is often meant.
    const std::string name = k.substr(k.find('/') == std::string::npos ? 0 : k.find('/') + 1);
    const std::size_t d = std::min(edit_distance(id, k), edit_distance(id, name));
    if (d < best_distance && k != id) {
      best = k;
      best_distance = d;
    }
  }
  return best;
}

// The listing is the server's word: a name that would leave the folder is refused.
void check_file_name(const std::string& repo_id, const std::string& path) {
  if (path.empty() || path.find('/') != std::string::npos || path.front() == '.' ||
      path.find('\\') != std::string::npos) {
    throw Error(repo_id + ": the Hub listed a file named '" + path +
                "', which is not a plain file name; nothing was written under it");
  }
}

void check_is_t5(const fs::path& config, const std::string& repo_id) {
  try {
    std::ifstream in(config);
    const nlohmann::json j = nlohmann::json::parse(in);
    const std::string type = j.value("model_type", std::string("t5"));
    if (type != "t5") {
      throw Error(repo_id + " is a '" + type + "' model (its config.json says model_type \"" +
                  type +
                  "\"), not T5: the workbench fine-tunes T5 only, so its weights were not "
                  "fetched. Its config.json is in '" +
                  config.parent_path().string() + "'.");
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error("the config.json of " + repo_id + " is not valid JSON (" + e.what() + ")");
  }
}

}  // namespace

ModelFetcher::ModelFetcher(HttpClient& http, ModelFetchOptions options)
    : http_(http), options_(std::move(options)) {}

ModelFetchResult ModelFetcher::fetch(const std::string& repo_id, const FetchProgressFn& progress) {
  HubClient hub(http_, options_.hub);
  const std::string& revision = hub.options().revision;
  std::vector<HubFile> listing;
  try {
    listing = hub.list_files(repo_id);
  } catch (const HttpStatusError& e) {
    const std::string close = suggestion(repo_id, options_.known_repos);
    if ((e.status() == 401 || e.status() == 404) && !close.empty()) {
      throw HttpStatusError(std::string(e.what()) + " Did you mean " + close + "?", e.status());
    }
    throw;
  }
  T5FileSelection selection(listing, repo_id, revision);

  const fs::path& folder = options_.folder;
  fetch_files::ensure_folder(folder, "choose another folder for the model");
  ModelManifest manifest;
  if (auto old = ModelManifest::load(folder);
      old && old->repo == repo_id && old->revision == revision) {
    manifest = *old;
  }
  manifest.repo = repo_id;
  manifest.revision = revision;
  manifest.complete = false;

  ModelFetchResult result;
  result.folder = folder;
  int64_t done_before = 0;  // bytes of the files already finished in this fetch
  auto item_total = [&] {
    int64_t total = 0;
    for (const HubFile& f : selection.files()) {
      if (f.size < 0) return int64_t{-1};
      total += f.size;
    }
    return total;
  };

  for (std::size_t i = 0; i < selection.files().size(); ++i) {
    const HubFile file = selection.files()[i];  // a copy: add_shards grows the list
    check_file_name(repo_id, file.path);
    const fs::path dest = folder / file.path;
    const ExpectedContent expected = file.expected();
    const ModelManifest::File* known = manifest.find(file.path);
    std::error_code ec;
    const bool verified_before =
        known && known->content.size == expected.size && known->content.sha256 == expected.sha256 &&
        known->content.git_blob_sha1 == expected.git_blob_sha1 &&
        fs::file_size(dest, ec) == static_cast<uintmax_t>(expected.size) && !ec;

    FetchProgress p;
    p.item = repo_id;
    p.file = file.path;
    p.file_index = static_cast<int>(i) + 1;
    p.file_count = static_cast<int>(selection.files().size());
    p.item_total = item_total();
    if (verified_before) {
      p.file_done = p.file_total = expected.size;
      p.item_done = done_before + expected.size;
      if (progress && !progress(p)) {
        throw FetchCancelled("cancelled before " + file.path + " of " + repo_id +
                             "; files already downloaded are kept");
      }
    } else {
      DownloadSpec spec;
      spec.url = hub.file_url(repo_id, file.path);
      spec.dest = dest;
      spec.name = file.path + " of " + repo_id;
      spec.expected = expected;
      spec.bearer_token = hub.options().token;
      ResumableDownload download(http_, spec);
      const DownloadOutcome outcome =
          download.run(ResumableDownload::as_item_progress(p, done_before, progress));
      result.transferred += outcome.transferred;
      result.resumed_bytes += outcome.resumed_from;
      manifest.put({file.path, expected});
      manifest.save(folder);
    }
    done_before += std::max<int64_t>(expected.size, 0);
    result.files.push_back(file.path);
    result.bytes += std::max<int64_t>(expected.size, 0);

    if (file.path == "config.json") check_is_t5(dest, repo_id);
    if (file.path == T5FileSelection::kIndexFile && selection.needs_shards()) {
      selection.add_shards(dest);
    }
  }
  manifest.complete = true;
  manifest.save(folder);
  return result;
}

}  // namespace hwb
