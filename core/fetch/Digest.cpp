#include "core/fetch/Digest.h"

#include <openssl/evp.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

#include "core/util/Error.h"

namespace hwb {

namespace {

EVP_MD_CTX* ctx(void* p) {
  return static_cast<EVP_MD_CTX*>(p);
}

void hash_file_into(Digest& digest, const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error("cannot read '" + file.string() + "': " + std::strerror(errno));
  std::vector<char> buffer(std::size_t{1} << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    digest.update(std::string_view(buffer.data(), static_cast<std::size_t>(in.gcount())));
  }
  if (in.bad()) throw Error("reading '" + file.string() + "' failed: " + std::strerror(errno));
}

}  // namespace

Digest::Digest(Kind kind) : context_(EVP_MD_CTX_new()) {
  if (!context_) throw Error("OpenSSL could not allocate a digest context (out of memory?)");
  const EVP_MD* md = kind == Kind::kSha256 ? EVP_sha256() : EVP_sha1();
  if (EVP_DigestInit_ex(ctx(context_), md, nullptr) != 1) {
    EVP_MD_CTX_free(ctx(context_));
    throw Error("OpenSSL could not start a digest");
  }
}

Digest::~Digest() {
  EVP_MD_CTX_free(ctx(context_));
}

void Digest::update(std::string_view bytes) {
  if (!bytes.empty()) EVP_DigestUpdate(ctx(context_), bytes.data(), bytes.size());
}

std::string Digest::hex() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx(context_), md, &length);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

std::string Digest::file_sha256(const std::filesystem::path& file) {
  Digest digest(Kind::kSha256);
  hash_file_into(digest, file);
  return digest.hex();
}

std::string Digest::git_blob_sha1(const std::filesystem::path& file) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec) throw Error("cannot read '" + file.string() + "': " + ec.message());
  Digest digest(Kind::kSha1);
  const std::string header = "blob " + std::to_string(size);
  digest.update(std::string_view(header.c_str(), header.size() + 1));  // with its '\0'
  hash_file_into(digest, file);
  return digest.hex();
}

}  // namespace hwb
