#include "core/fetch/LocalInventory.h"

#include "core/fetch/GlueFetcher.h"
#include "core/fetch/ModelManifest.h"
#include "core/fetch/ResumableDownload.h"

namespace hwb {
namespace fs = std::filesystem;

namespace {

int64_t size_or_zero(const fs::path& file) {
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  return ec ? 0 : static_cast<int64_t>(size);
}

}  // namespace

LocalStatus LocalInventory::model(const fs::path& folder) {
  LocalStatus status;
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) return status;
  bool any = false, partial_download = false;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    if (!entry.is_regular_file(ec) || entry.path().filename() == ModelManifest::kFileName) continue;
    any = true;
    status.bytes += size_or_zero(entry.path());
    if (entry.path().extension() == ".part") partial_download = true;
  }
  if (!any) return status;
  status.state = LocalState::kPartial;
  if (partial_download) return status;
  if (const auto manifest = ModelManifest::load(folder)) {
    if (!manifest->complete) return status;
    for (const auto& f : manifest->files) {
      if (!fs::is_regular_file(folder / f.path) ||
          size_or_zero(folder / f.path) != f.content.size) {
        return status;
      }
    }
    status.state = LocalState::kReady;
    return status;
  }
  const bool weights = fs::is_regular_file(folder / "model.safetensors") ||
                       fs::is_regular_file(folder / "model.safetensors.index.json");
  if (fs::is_regular_file(folder / "config.json") && weights) status.state = LocalState::kReady;
  return status;
}

LocalStatus LocalInventory::glue(const fs::path& glue_dir, const GlueSource& source) {
  LocalStatus status;
  if (GlueFetcher::is_complete(glue_dir, source)) {
    status.state = LocalState::kReady;
    std::error_code ec;
    for (const auto& entry : fs::recursive_directory_iterator(glue_dir / source.folder, ec)) {
      if (entry.is_regular_file(ec)) status.bytes += size_or_zero(entry.path());
    }
    return status;
  }
  for (const RemoteFile& file : source.files) {
    const fs::path done = GlueFetcher::download_path(glue_dir, file);
    const fs::path part = ResumableDownload::part_path(done);
    if (fs::exists(done) || fs::exists(part)) {
      status.state = LocalState::kPartial;
      status.bytes += size_or_zero(done) + size_or_zero(part);
    }
  }
  return status;
}

const char* LocalInventory::describe(LocalState state) {
  switch (state) {
    case LocalState::kReady:
      return "ready";
    case LocalState::kPartial:
      return "partial";
    case LocalState::kAbsent:
      break;
  }
  return "not downloaded";
}

}  // namespace hwb
