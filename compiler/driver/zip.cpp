// libzip behind the zip.h interface. libzip writes the archive to a
// temporary file beside `path` and renames it on zip_close, so a failed
// write never leaves half a zip under the final name.
#include "driver/zip.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <zip.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <system_error>

namespace fs = std::filesystem;

namespace flowc {

namespace {

// DOS date of 1980-01-01 (day 1, month 1, year 0 since 1980) at 00:00:00:
// written as-is, not through localtime as zip_file_set_mtime would.
constexpr zip_uint16_t kDosDate = (0 << 9) | (1 << 5) | 1;
constexpr zip_uint16_t kDosTime = 0;
// zlib's default level. Measured on a 1.35 MB handler: level 9 took 430 ms
// for 571 KB, level 6 115 ms for 575 KB (+0.7%), level 1 38 ms for 627 KB;
// `flowc build` has a 2-second budget, and 4 KB of zip is nothing to Lambda.
constexpr zip_int32_t kDeflateLevel = 6;

std::string zipError(zip_t* za) {
  return zip_error_strerror(zip_get_error(za));
}

bool safeName(const std::string& name) {
  if (name.empty() || name.front() == '/' || name.back() == '/') return false;
  if (name.find('\0') != std::string::npos || name.find('\\') != std::string::npos) return false;
  std::stringstream parts(name);
  std::string part;
  while (std::getline(parts, part, '/')) {
    if (part.empty() || part == "." || part == "..") return false;
  }
  return true;
}

struct ZipCloser {
  void operator()(zip_t* za) const { zip_discard(za); }
};

}  // namespace

std::optional<std::string> writeZip(const std::string& path, const std::vector<ZipFile>& files) {
  for (const ZipFile& f : files) {
    if (!safeName(f.name)) return fmt::format("bad file name '{}' for a zip entry", f.name);
  }
  int errorCode = 0;
  std::unique_ptr<zip_t, ZipCloser> za(zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &errorCode));
  if (!za) {
    zip_error_t error;
    zip_error_init_with_code(&error, errorCode);
    std::string message = fmt::format("cannot create '{}': {}", path, zip_error_strerror(&error));
    zip_error_fini(&error);
    return message;
  }
  for (const ZipFile& f : files) {
    // The contents are borrowed until zip_close: `files` outlives it.
    zip_source_t* source = zip_source_buffer(za.get(), f.contents.data(), f.contents.size(), 0);
    if (!source) return fmt::format("cannot add '{}' to '{}': {}", f.name, path, zipError(za.get()));
    zip_int64_t index = zip_file_add(za.get(), f.name.c_str(), source, ZIP_FL_ENC_UTF_8);
    if (index < 0) {
      zip_source_free(source);
      return fmt::format("cannot add '{}' to '{}': {}", f.name, path, zipError(za.get()));
    }
    auto i = static_cast<zip_uint64_t>(index);
    zip_uint32_t attributes = static_cast<zip_uint32_t>(S_IFREG | (f.mode & 0777)) << 16;
    if (zip_set_file_compression(za.get(), i, ZIP_CM_DEFLATE, kDeflateLevel) != 0 ||
        zip_file_set_external_attributes(za.get(), i, 0, ZIP_OPSYS_UNIX, attributes) != 0 ||
        zip_file_set_dostime(za.get(), i, kDosTime, kDosDate, 0) != 0) {
      return fmt::format("cannot set the attributes of '{}' in '{}': {}", f.name, path, zipError(za.get()));
    }
  }
  zip_t* raw = za.release();
  if (zip_close(raw) != 0) {
    std::string message = fmt::format("cannot write '{}': {}", path, zipError(raw));
    zip_discard(raw);
    return message;
  }
  return std::nullopt;
}

std::optional<std::string> writeLambdaZip(const std::string& zipPath, const std::string& bootstrapPath,
                                          const std::vector<ZipFile>& extraFiles) {
  std::ifstream in(bootstrapPath, std::ios::binary);
  if (!in) return fmt::format("cannot read '{}': {}", bootstrapPath, std::strerror(errno));
  std::vector<ZipFile> files;
  files.reserve(1 + extraFiles.size());
  files.push_back({"bootstrap", std::string(std::istreambuf_iterator<char>(in), {}), 0755});
  if (in.bad()) return fmt::format("cannot read '{}'", bootstrapPath);
  for (const ZipFile& f : extraFiles) {
    if (f.name == "bootstrap") return "an extra file cannot be named 'bootstrap'";
    files.push_back(f);
  }
  return writeZip(zipPath, files);
}

ZipReadResult readZip(const std::string& path, uint64_t maxTotalBytes) {
  ZipReadResult result;
  int errorCode = 0;
  std::unique_ptr<zip_t, ZipCloser> za(zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &errorCode));
  if (!za) {
    zip_error_t error;
    zip_error_init_with_code(&error, errorCode);
    result.error = fmt::format("cannot open '{}': {}", path, zip_error_strerror(&error));
    zip_error_fini(&error);
    return result;
  }
  zip_int64_t count = zip_get_num_entries(za.get(), 0);
  uint64_t total = 0;
  for (zip_int64_t n = 0; n < count; ++n) {
    auto i = static_cast<zip_uint64_t>(n);
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(za.get(), i, 0, &st) != 0 || !(st.valid & ZIP_STAT_NAME) ||
        !(st.valid & ZIP_STAT_SIZE)) {
      result.error = fmt::format("cannot read entry {} of '{}': {}", n, path, zipError(za.get()));
      return result;
    }
    ZipFile file;
    file.name = st.name;
    if (!safeName(file.name)) {
      result.error = fmt::format("'{}' holds an unsafe entry name '{}'", path, file.name);
      return result;
    }
    if (st.size > maxTotalBytes - total) {
      result.error = fmt::format("'{}' unpacks to more than {} bytes", path, maxTotalBytes);
      return result;
    }
    total += st.size;
    zip_uint8_t opsys = 0;
    zip_uint32_t attributes = 0;
    if (zip_file_get_external_attributes(za.get(), i, 0, &opsys, &attributes) == 0 &&
        opsys == ZIP_OPSYS_UNIX && (attributes >> 16) != 0) {
      file.mode = (attributes >> 16) & 0777;
    }
    std::unique_ptr<zip_file_t, int (*)(zip_file_t*)> zf(zip_fopen_index(za.get(), i, 0), zip_fclose);
    if (!zf) {
      result.error = fmt::format("cannot read '{}' in '{}': {}", file.name, path, zipError(za.get()));
      return result;
    }
    file.contents.resize(st.size);
    zip_int64_t got = st.size ? zip_fread(zf.get(), file.contents.data(), st.size) : 0;
    if (got < 0 || static_cast<zip_uint64_t>(got) != st.size) {
      result.error = fmt::format("cannot read '{}' in '{}': {}", file.name, path,
                                 zip_error_strerror(zip_file_get_error(zf.get())));
      return result;
    }
    result.files.push_back(std::move(file));
  }
  return result;
}

std::optional<std::string> extractZip(const std::string& path, const std::string& dir) {
  ZipReadResult read = readZip(path);
  if (!read.ok()) return read.error;
  for (const ZipFile& f : read.files) {
    fs::path target = fs::path(dir) / f.name;
    std::error_code ec;
    fs::create_directories(target.parent_path(), ec);
    if (ec) return fmt::format("cannot create '{}': {}", target.parent_path().string(), ec.message());
    std::ofstream out(target, std::ios::binary | std::ios::trunc);
    out.write(f.contents.data(), static_cast<std::streamsize>(f.contents.size()));
    out.close();
    if (!out) return fmt::format("cannot write '{}': {}", target.string(), std::strerror(errno));
    fs::permissions(target, static_cast<fs::perms>(f.mode & 0777), ec);
    if (ec) return fmt::format("cannot set the mode of '{}': {}", target.string(), ec.message());
  }
  return std::nullopt;
}

}  // namespace flowc
