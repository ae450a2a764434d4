#include "workload/readers/byte_stream.hpp"

#include <algorithm>
#include <cstring>

#include "core/config_error.hpp"

namespace rocesim::workload {
namespace {

constexpr std::size_t kChunkBytes = 1 << 16;

}  // namespace

ByteStream::ByteStream(const std::string& path, const std::string& label) : label_(label) {
  file_ = std::fopen(path.c_str(), "rb");
  if (file_ == nullptr) throw ConfigError(label_, "", "cannot open file");
  start();
}

ByteStream::ByteStream(Memory, std::string_view bytes, const std::string& label) : label_(label), memory_(bytes) {
  start();
}

ByteStream::~ByteStream() {
  if (zs_live_) inflateEnd(&zs_);
  if (file_ != nullptr) std::fclose(file_);
}

std::size_t ByteStream::read_raw(char* out, std::size_t n) {
  if (file_ == nullptr) {
    const std::size_t k = std::min(n, memory_.size() - memory_pos_);
    std::memcpy(out, memory_.data() + memory_pos_, k);
    memory_pos_ += k;
    return k;
  }
  const std::size_t k = std::fread(out, 1, n, file_);
  if (k < n && std::ferror(file_)) throw ConfigError(label_, "", "read error");
  return k;
}

bool ByteStream::refill_input() {
  if (raw_end_) return false;
  raw_consumed_ += in_end_;
  in_pos_ = 0;
  in_end_ = read_raw(in_.data(), in_.size());
  if (in_end_ == 0) raw_end_ = true;
  zs_.next_in = reinterpret_cast<Bytef*>(in_.data());
  zs_.avail_in = static_cast<uInt>(in_end_);
  return in_end_ > 0;
}

void ByteStream::start() {
  in_.resize(kChunkBytes);
  refill_input();
  gzip_ = in_end_ >= 2 && static_cast<unsigned char>(in_[0]) == 0x1f && static_cast<unsigned char>(in_[1]) == 0x8b;
  if (!gzip_) return;
  // 16 + MAX_WBITS: expect a gzip header and trailer.
  if (inflateInit2(&zs_, 16 + MAX_WBITS) != Z_OK) throw ConfigError(label_, "", "zlib initialisation failed");
  zs_live_ = true;
  zs_.next_in = reinterpret_cast<Bytef*>(in_.data());
  zs_.avail_in = static_cast<uInt>(in_end_);
}

std::size_t ByteStream::inflate_into(char* out, std::size_t n) {
  if (finished_ || n == 0) return 0;
  const auto want = static_cast<uInt>(std::min<std::size_t>(n, kChunkBytes));
  zs_.next_out = reinterpret_cast<Bytef*>(out);
  zs_.avail_out = want;
  while (zs_.avail_out == want) {
    if (zs_.avail_in == 0) refill_input();
    const int rc = inflate(&zs_, Z_NO_FLUSH);
    if (rc == Z_STREAM_END) {
      if (zs_.avail_in == 0 && !refill_input()) {
        finished_ = true;
        break;
      }
      inflateReset(&zs_);  // another gzip member follows
      continue;
    }
    if (rc == Z_OK) continue;
    const std::uint64_t at = raw_consumed_ + (in_end_ - zs_.avail_in);
    // Z_BUF_ERROR: no progress possible, which with output space left means the input ran out.
    if (rc == Z_BUF_ERROR && zs_.avail_in == 0 && raw_end_) {
      throw ConfigError(label_, "gzip byte " + std::to_string(at), "truncated gzip stream");
    }
    if (rc != Z_BUF_ERROR) throw ConfigError(label_, "gzip byte " + std::to_string(at), "corrupt gzip stream");
  }
  return want - zs_.avail_out;
}

std::size_t ByteStream::read(char* out, std::size_t n) {
  if (gzip_) return inflate_into(out, n);
  std::size_t got = 0;
  while (got < n) {
    if (in_pos_ == in_end_ && !refill_input()) break;
    const std::size_t k = std::min(n - got, in_end_ - in_pos_);
    std::memcpy(out + got, in_.data() + in_pos_, k);
    in_pos_ += k;
    got += k;
  }
  return got;
}

}  // namespace rocesim::workload
