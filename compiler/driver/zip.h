// The Lambda deployment zip, written with libzip (never by running `zip`):
// `bootstrap` first with unix mode 0755 in its external attributes (Lambda's
// provided.* runtimes exec it directly), then any extra files. The archive is
// deterministic: entries in the order given, every timestamp the DOS epoch
// (1980-01-01 00:00, whatever the time zone), deflate at one fixed level, so
// the same inputs give the same bytes.
//
// Reading is here too, for tests and for `flowc run`, which unpacks the zip
// into the directory it hands the bootstrap as LAMBDA_TASK_ROOT.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace flowc {

struct ZipFile {
  std::string name;  // path inside the archive, '/'-separated, relative
  std::string contents;
  uint32_t mode = 0644;  // unix permission bits
};

// Writes path (replacing it) with files in order. Returns an error message,
// or nothing on success.
std::optional<std::string> writeZip(const std::string& path, const std::vector<ZipFile>& files);

// A zip holding the bootstrap file at bootstrapPath as `bootstrap` (0755),
// then extraFiles.
std::optional<std::string> writeLambdaZip(const std::string& zipPath, const std::string& bootstrapPath,
                                          const std::vector<ZipFile>& extraFiles = {});

struct ZipReadResult {
  std::vector<ZipFile> files;  // mode from the unix external attributes (0644 when none)
  std::string error;
  bool ok() const { return error.empty(); }
};

// At most maxTotalBytes of uncompressed contents (Lambda unpacks at most
// 250 MB); names that are absolute or climb out with ".." are refused.
ZipReadResult readZip(const std::string& path, uint64_t maxTotalBytes = 256u << 20);

// Unpacks into dir (created if needed), with each file's mode.
std::optional<std::string> extractZip(const std::string& path, const std::string& dir);

}  // namespace flowc
