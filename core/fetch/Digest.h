#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace hwb {

// SHA-256 and SHA-1 through OpenSSL's libcrypto (the EVP interface): the Hub names an LFS file by
// the SHA-256 of its content and any other file by its git blob id, the SHA-1 of
// "blob <size>\0" followed by the content. Streaming, so a multi-gigabyte checkpoint is hashed in
// fixed memory.
class Digest {
 public:
  enum class Kind { kSha256, kSha1 };

  explicit Digest(Kind kind);
  ~Digest();
  Digest(const Digest&) = delete;
  Digest& operator=(const Digest&) = delete;

  void update(std::string_view bytes);
  // Lower-case hex; the digest cannot be updated afterwards.
  std::string hex();

  // Of a whole file; throws hwb::Error naming the file when it cannot be read.
  static std::string file_sha256(const std::filesystem::path& file);
  static std::string git_blob_sha1(const std::filesystem::path& file);

 private:
  void* context_;  // EVP_MD_CTX*
};

}  // namespace hwb
