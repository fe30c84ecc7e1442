#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <iostream>

#include "core/cli/Commands.h"
#include "core/cli/FetchProgressPrinter.h"
#include "core/fetch/DataDirs.h"
#include "core/fetch/FetchCatalog.h"
#include "core/fetch/FileOps.h"
#include "core/fetch/GlueFetcher.h"
#include "core/fetch/LocalInventory.h"
#include "core/fetch/ModelFetcher.h"
#include "core/fetch/ModelManifest.h"
#include "core/util/Error.h"
#include "core/util/Paths.h"

namespace hwb::cli {

namespace {
namespace fs = std::filesystem;
using fetch_files::format_bytes;

std::atomic<bool> g_interrupted{false};

void on_interrupt(int) {
  g_interrupted = true;
  std::signal(SIGINT, SIG_DFL);
}

// Ctrl-C cancels the transfer between two chunks, keeping the partial file for a resume; a second
// Ctrl-C ends the program at once.
class InterruptScope {
 public:
  InterruptScope() {
    g_interrupted = false;
    std::signal(SIGINT, on_interrupt);
  }
  ~InterruptScope() { std::signal(SIGINT, SIG_DFL); }
};

struct FetchOptions {
  std::string id;
  std::vector<std::string> tasks;
  std::string revision = "main";
  std::string dest;
  std::string data_dir;
  std::string endpoint;
  std::string glue_url;
};

FetchCatalog load_catalog() {
  return FetchCatalog::load(find_resource("catalog/models.json"),
                            find_resource("catalog/glue.json"));
}

fs::path data_root(const FetchOptions& o) {
  return o.data_dir.empty() ? DataDirs::default_root() : fs::path(o.data_dir);
}

std::string padded(const std::string& text, std::size_t width) {
  return text.size() >= width ? text + " " : text + std::string(width - text.size(), ' ');
}

void fetch_model(const FetchOptions& o) {
  const FetchCatalog catalog = load_catalog();
  const CatalogModel* known = catalog.find_model(o.id);
  const std::string repo = known ? known->repo : o.id;
  HubClient::check_repo_id(repo);
  ModelFetchOptions options;
  options.hub = HubOptions::from_environment();
  if (!o.endpoint.empty()) options.hub.endpoint = o.endpoint;
  options.hub.revision = o.revision;
  options.folder = o.dest.empty() ? DataDirs::model_folder(data_root(o), repo) : fs::path(o.dest);
  for (const CatalogModel& m : catalog.models()) options.known_repos.push_back(m.repo);

  std::cerr << "Fetching " << repo << " (revision " << o.revision << ") from "
            << options.hub.endpoint << " into " << options.folder.string() << "\n";
  FetchProgressPrinter printer;
  InterruptScope interrupt;
  HttpClient http;
  http.set_interrupt([] { return g_interrupted.load(); });
  ModelFetchResult result;
  try {
    result = ModelFetcher(http, options).fetch(repo, [&](const FetchProgress& p) {
      return printer.report(p, !g_interrupted);
    });
  } catch (...) {
    printer.finish();
    throw;
  }
  printer.finish();
  std::cout << repo << " is ready in " << result.folder.string() << " (" << result.files.size()
            << " files, " << format_bytes(result.bytes) << "; " << format_bytes(result.transferred)
            << " downloaded now";
  if (result.resumed_bytes > 0)
    std::cout << ", " << format_bytes(result.resumed_bytes) << " resumed";
  std::cout << ").\nUse it as an experiment's backbone, or look at it with: hyperformer inspect "
               "--model "
            << result.folder.string() << "\n";
}

void fetch_glue(const FetchOptions& o) {
  const FetchCatalog catalog = load_catalog();
  std::vector<const GlueSource*> sources;
  for (const std::string& name : o.tasks) {
    if (name == "all") {
      for (const GlueSource& s : catalog.glue()) sources.push_back(&s);
      continue;
    }
    const GlueSource* s = catalog.find_glue(name);
    if (!s) {
      std::string names;
      for (const GlueSource& g : catalog.glue()) names += (names.empty() ? "" : ", ") + g.task;
      throw Error("'" + name + "' is not a GLUE task the manager fetches; the tasks are " + names +
                  " (or their folder names, such as SST-2), or all");
    }
    sources.push_back(s);
  }
  GlueFetchOptions options;
  options.base_url = o.glue_url.empty()
                         ? GlueFetchOptions::base_url_from_environment(catalog.glue_base_url())
                         : o.glue_url;
  options.glue_dir = o.dest.empty() ? DataDirs::glue(data_root(o)) : fs::path(o.dest);
  FetchProgressPrinter printer;
  InterruptScope interrupt;
  HttpClient http;
  http.set_interrupt([] { return g_interrupted.load(); });
  for (const GlueSource* source : sources) {
    GlueFetchResult result;
    try {
      result = GlueFetcher(http, options).fetch(*source, [&](const FetchProgress& p) {
        return printer.report(p, !g_interrupted);
      });
    } catch (...) {
      printer.finish();
      throw;
    }
    printer.finish();
    if (result.already_present) {
      std::cout << source->folder << " is already in " << result.folder.string()
                << " (delete that folder to fetch it again)\n";
    } else {
      std::cout << source->folder << " is ready in " << result.folder.string() << " ("
                << result.files.size() << " files; " << format_bytes(result.transferred)
                << " downloaded now)\n";
      if (!result.moved_aside.empty()) {
        std::cout << "The incomplete " << source->folder << " folder that was there is now "
                  << result.moved_aside.string() << "\n";
      }
    }
  }
  std::cout << "An experiment reads them with glue_dir = " << options.glue_dir.string() << "\n";
}

void list_catalog(const FetchOptions& o) {
  const FetchCatalog catalog = load_catalog();
  const fs::path root = data_root(o);
  const fs::path models = DataDirs::models(root);
  std::cout << "Models in " << models.string() << "\n";
  std::cout << "  " << padded("NAME", 16) << padded("HUB ID", 24) << padded("STATE", 16)
            << "ON DISK\n";
  std::vector<fs::path> listed;
  for (const CatalogModel& m : catalog.models()) {
    const fs::path folder = DataDirs::model_folder(root, m.repo);
    listed.push_back(folder);
    const LocalStatus s = LocalInventory::model(folder);
    std::cout << "  " << padded(m.name, 16) << padded(m.repo, 24)
              << padded(LocalInventory::describe(s.state), 16)
              << (s.state == LocalState::kAbsent ? "-" : format_bytes(s.bytes)) << "\n";
  }
  // Models fetched by Hub id, outside the catalog.
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(models, ec)) {
    if (!entry.is_directory(ec) ||
        std::find(listed.begin(), listed.end(), entry.path()) != listed.end()) {
      continue;
    }
    const auto manifest = ModelManifest::load(entry.path());
    const std::string id = manifest ? manifest->repo : entry.path().filename().string();
    const LocalStatus s = LocalInventory::model(entry.path());
    std::cout << "  " << padded("(by id)", 16) << padded(id, 24)
              << padded(LocalInventory::describe(s.state), 16) << format_bytes(s.bytes) << "\n";
  }
  const fs::path glue = DataDirs::glue(root);
  std::cout << "GLUE tasks in " << glue.string() << "\n";
  std::cout << "  " << padded("TASK", 8) << padded("FOLDER", 8) << padded("STATE", 16)
            << padded("ON DISK", 12) << "DOWNLOAD\n";
  for (const GlueSource& g : catalog.glue()) {
    const LocalStatus s = LocalInventory::glue(glue, g);
    std::cout << "  " << padded(g.task, 8) << padded(g.folder, 8)
              << padded(LocalInventory::describe(s.state), 16)
              << padded(s.state == LocalState::kAbsent ? "-" : format_bytes(s.bytes), 12)
              << format_bytes(g.download_size()) << "\n";
  }
}

}  // namespace

void add_fetch_command(CLI::App& app) {
  auto o = std::make_shared<FetchOptions>();
  CLI::App* fetch = app.add_subcommand(
      "fetch",
      "Download T5 checkpoints from the Hugging Face Hub and GLUE tasks, resumably and checked "
      "against their checksums");
  fetch->require_subcommand(1);
  const std::string data_help =
      "Data folder (default $XDG_DATA_HOME/hyperformer-workbench, else "
      "~/.local/share/hyperformer-workbench)";

  CLI::App* model = fetch->add_subcommand(
      "model", "Fetch a T5 checkpoint (config, tokenizer, safetensors weights) from the Hub");
  model
      ->add_option("id", o->id,
                   "A catalog name (t5-small, flan-t5-base, ...; see fetch list) or any Hub id "
                   "(organisation/name)")
      ->required();
  model->add_option("--revision", o->revision, "Branch, tag or commit")->capture_default_str();
  model->add_option("--dest", o->dest,
                    "Folder for the checkpoint (default <data folder>/models/<org>--<name>)");
  model->add_option("--data-dir", o->data_dir, data_help);
  model->add_option("--endpoint", o->endpoint,
                    "Hub address (default $HF_ENDPOINT, else https://huggingface.co); a token "
                    "for gated repositories comes from $HF_TOKEN");
  model->callback([o] { fetch_model(*o); });

  CLI::App* glue = fetch->add_subcommand(
      "glue", "Fetch GLUE tasks into GLUE's folder layout (SST-2/train.tsv, ...)");
  glue->add_option("tasks", o->tasks, "Tasks (cola sst2 mrpc qqp stsb mnli qnli rte) or all")
      ->required();
  glue->add_option("--dest", o->dest, "GLUE folder (default <data folder>/glue)");
  glue->add_option("--data-dir", o->data_dir, data_help);
  glue->add_option("--glue-url", o->glue_url,
                   "Where GLUE's files are (default $HWB_GLUE_URL, else "
                   "https://dl.fbaipublicfiles.com)");
  glue->callback([o] { fetch_glue(*o); });

  CLI::App* list = fetch->add_subcommand(
      "list", "The catalog's models and the GLUE tasks, with what is downloaded already");
  list->add_option("--data-dir", o->data_dir, data_help);
  list->callback([o] { list_catalog(*o); });
}

}  // namespace hwb::cli
