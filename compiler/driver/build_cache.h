// The build cache of `flowc build` / `flowc run`: built handlers stored by the
// SHA-256 of everything that went into them, so building an unchanged program
// again costs a hash instead of a clang++ run. SHA-256 is OpenSSL's libcrypto
// (a well-kept Debian library), wrapped here so callers never see OpenSSL.
//
// Layout: <root>/<namespace>/<64 hex digits>/<files> for finished entries and
// <root>/tmp/<random>/ for entries being built. An entry appears by renaming
// its finished work directory into place, so a reader never sees half of one,
// and two flowc processes building the same key at once both succeed (the
// second keeps the first one's entry).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX

namespace flowc {

// Incremental SHA-256.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::string_view bytes);
  // Length-prefixed, so that the fields ("ab", "c") and ("a", "bc") hash
  // differently: what cache keys are made of.
  void updateField(std::string_view bytes);
  void updateField(uint64_t value);
  // The file's contents as one field. Returns an error message, or nothing.
  std::optional<std::string> updateFileField(const std::string& path);
  // The digest as 64 lower-case hex digits; the object is done after this.
  std::string hexDigest();

 private:
  evp_md_ctx_st* ctx_ = nullptr;
};

std::string sha256Hex(std::string_view bytes);

// $FLOWC_CACHE_DIR, else $XDG_CACHE_HOME/flowc, else $HOME/.cache/flowc,
// else /tmp/flowc-cache-<uid>.
std::string defaultCacheDir();

// A path, or why there is none.
struct PathResult {
  std::string path;
  std::string error;
  bool ok() const { return error.empty(); }
};

class BuildCache {
 public:
  // ns separates kinds of entries (and their format versions): "bootstrap-v1".
  BuildCache(std::string root, std::string ns);

  const std::string& root() const { return root_; }
  // The entry directory of key, whether or not it exists.
  std::string entryDir(const std::string& key) const;
  // <entry>/<file> when the entry exists and holds that file.
  std::optional<std::string> find(const std::string& key, const std::string& file) const;
  // A new private directory to build an entry in.
  PathResult makeWorkDir() const;
  // Makes workDir key's entry and returns the entry directory; workDir is gone
  // afterwards. When the entry exists already, it is kept (another process
  // built the same thing first) unless replaceExisting says it was found
  // broken and is to be replaced.
  PathResult publish(const std::string& workDir, const std::string& key, bool replaceExisting = false) const;
  // Removes a work directory that will not be published.
  void discard(const std::string& workDir) const;

 private:
  std::string root_;
  std::string ns_;
};

}  // namespace flowc
