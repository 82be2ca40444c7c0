// SHA-256 through libcrypto's EVP interface, and the cache directory.
#include "driver/build_cache.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "diagnostics/diagnostics.h"

namespace fs = std::filesystem;

namespace flowc {

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1)
    throw InternalError("cannot start SHA-256");
}

Sha256::~Sha256() {
  EVP_MD_CTX_free(ctx_);
}

void Sha256::update(std::string_view bytes) {
  if (EVP_DigestUpdate(ctx_, bytes.data(), bytes.size()) != 1) throw InternalError("SHA-256 update failed");
}

void Sha256::updateField(uint64_t value) {
  unsigned char le[8];
  for (int i = 0; i < 8; ++i) le[i] = static_cast<unsigned char>(value >> (8 * i));
  update(std::string_view(reinterpret_cast<const char*>(le), sizeof le));
}

void Sha256::updateField(std::string_view bytes) {
  updateField(static_cast<uint64_t>(bytes.size()));
  update(bytes);
}

std::optional<std::string> Sha256::updateFileField(const std::string& path) {
  std::error_code ec;
  uintmax_t size = fs::file_size(path, ec);
  if (ec) return fmt::format("cannot read '{}': {}", path, ec.message());
  std::ifstream in(path, std::ios::binary);
  if (!in) return fmt::format("cannot read '{}': {}", path, std::strerror(errno));
  updateField(static_cast<uint64_t>(size));
  char buffer[1 << 16];
  uintmax_t total = 0;
  while (in) {
    in.read(buffer, sizeof buffer);
    std::streamsize n = in.gcount();
    if (n <= 0) break;
    update(std::string_view(buffer, static_cast<size_t>(n)));
    total += static_cast<uintmax_t>(n);
  }
  if (in.bad() || total != size) return fmt::format("cannot read '{}': it changed while being read", path);
  return std::nullopt;
}

std::string Sha256::hexDigest() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(ctx_, digest, &length) != 1) throw InternalError("SHA-256 final failed");
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

std::string sha256Hex(std::string_view bytes) {
  Sha256 h;
  h.update(bytes);
  return h.hexDigest();
}

std::string defaultCacheDir() {
  auto env = [](const char* name) -> std::string {
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string();
  };
  if (std::string d = env("FLOWC_CACHE_DIR"); !d.empty()) return d;
  if (std::string d = env("XDG_CACHE_HOME"); !d.empty()) return d + "/flowc";
  if (std::string d = env("HOME"); !d.empty()) return d + "/.cache/flowc";
  return fmt::format("/tmp/flowc-cache-{}", ::getuid());
}

BuildCache::BuildCache(std::string root, std::string ns) : root_(std::move(root)), ns_(std::move(ns)) {}

std::string BuildCache::entryDir(const std::string& key) const {
  return root_ + "/" + ns_ + "/" + key;
}

std::optional<std::string> BuildCache::find(const std::string& key, const std::string& file) const {
  std::string path = entryDir(key) + "/" + file;
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) return path;
  return std::nullopt;
}

PathResult BuildCache::makeWorkDir() const {
  std::string tmp = root_ + "/tmp";
  std::error_code ec;
  fs::create_directories(tmp, ec);
  if (ec) return {"", fmt::format("cannot create the cache directory '{}': {}", tmp, ec.message())};
  std::string pattern = tmp + "/build-XXXXXX";
  if (!::mkdtemp(pattern.data()))
    return {"", fmt::format("cannot create a directory in '{}': {}", tmp, std::strerror(errno))};
  return {pattern, ""};
}

PathResult BuildCache::publish(const std::string& workDir, const std::string& key,
                               bool replaceExisting) const {
  std::string dest = entryDir(key);
  std::error_code ec;
  fs::create_directories(root_ + "/" + ns_, ec);
  if (ec) {
    discard(workDir);
    return {"", fmt::format("cannot create the cache directory '{}/{}': {}", root_, ns_, ec.message())};
  }
  if (replaceExisting) fs::remove_all(dest, ec);
  // rename(2) of a directory onto a non-empty one fails: that is the race
  // being lost, and the winner's entry is as good as ours.
  if (std::rename(workDir.c_str(), dest.c_str()) != 0) {
    int err = errno;
    discard(workDir);
    if ((err == ENOTEMPTY || err == EEXIST) && fs::is_directory(dest, ec)) return {dest, ""};
    return {"", fmt::format("cannot store the build in '{}': {}", dest, std::strerror(err))};
  }
  return {dest, ""};
}

void BuildCache::discard(const std::string& workDir) const {
  std::error_code ec;
  fs::remove_all(workDir, ec);
}

}  // namespace flowc
