#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace hwb::fetch_files {

// errno as a person can act on it: a full disk, a read-only file system, a permission.
std::string io_reason(int err);

// Creates `dir` and its parents. Throws hwb::Error naming the folder, the reason and `fix`
// ("choose another folder with --dest").
void ensure_folder(const std::filesystem::path& dir, std::string_view fix);

// Writes `text` to a temporary sibling, fsyncs it and renames it over `file`: a reader sees the
// old file or the whole new one. Throws hwb::Error naming the file.
void write_text_atomically(const std::filesystem::path& file, std::string_view text);

// fsync of a folder, so a rename into it survives a power cut. Best effort.
void sync_folder(const std::filesystem::path& dir);

// Bytes an unprivileged user can still write under `dir`; -1 when it cannot be told.
int64_t free_bytes(const std::filesystem::path& dir);

// Removes a file or a whole folder, ignoring a missing one; for clean-up paths that must not throw.
void remove_quietly(const std::filesystem::path& path);

// "231.0 MiB", "873 B".
std::string format_bytes(int64_t bytes);

}  // namespace hwb::fetch_files
