// Dequantization of the ggml block formats a Q4_K_M file holds. Block layouts (ggml-common.h):
//   Q4_0  {f16 d; u8 qs[16]}                               32 values, q − 8
//   Q5_0  {f16 d; u8 qh[4]; u8 qs[16]}                     32 values, 5th bit from qh, q − 16
//   Q8_0  {f16 d; i8 qs[32]}                               32 values
//   Q4_K  {f16 d; f16 dmin; u8 scales[12]; u8 qs[128]}     256 values, 8 groups of 32 with 6-bit
//                                                          scale and min each
//   Q6_K  {u8 ql[128]; u8 qh[64]; i8 scales[16]; f16 d}    256 values, 16 groups of 16
#include <cmath>
#include <cstring>
#include <string>

#include "gguf.hpp"

namespace codeq {

float fp16_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exponent = (h >> 10) & 0x1f;
  uint32_t mantissa = h & 0x3ff;
  uint32_t bits;
  if (exponent == 0) {
    if (mantissa == 0) {
      bits = sign;
    } else {  // subnormal: normalise
      exponent = 127 - 15 + 1;
      while ((mantissa & 0x400) == 0) {
        mantissa <<= 1;
        exponent--;
      }
      bits = sign | (exponent << 23) | ((mantissa & 0x3ff) << 13);
    }
  } else if (exponent == 0x1f) {
    bits = sign | 0x7f800000 | (mantissa << 13);
  } else {
    bits = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

float bf16_to_float(uint16_t h) {
  const uint32_t bits = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// Round to nearest even; for writing test files and merged F16 models.
uint16_t float_to_fp16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint32_t sign = (x >> 16) & 0x8000;
  const int32_t exponent = static_cast<int32_t>((x >> 23) & 0xff) - 127 + 15;
  uint32_t mantissa = x & 0x7fffff;
  if (((x >> 23) & 0xff) == 0xff) return static_cast<uint16_t>(sign | 0x7c00 | (mantissa ? 0x200 : 0));
  if (exponent >= 0x1f) return static_cast<uint16_t>(sign | 0x7c00);
  if (exponent <= 0) {
    if (exponent < -10) return static_cast<uint16_t>(sign);
    mantissa |= 0x800000;
    const int shift = 14 - exponent;
    uint32_t half = mantissa >> shift;
    const uint32_t rest = mantissa & ((1u << shift) - 1);
    const uint32_t midpoint = 1u << (shift - 1);
    if (rest > midpoint || (rest == midpoint && (half & 1))) half++;
    return static_cast<uint16_t>(sign | half);
  }
  uint32_t half = sign | (static_cast<uint32_t>(exponent) << 10) | (mantissa >> 13);
  const uint32_t rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (half & 1))) half++;
  return static_cast<uint16_t>(half);
}

namespace {

uint16_t u16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}

struct Format {
  size_t block;  // values per block
  size_t bytes;  // bytes per block
};

Format format_of(uint32_t type) {
  switch (static_cast<GgmlType>(type)) {
    case GgmlType::F32: return {1, 4};
    case GgmlType::F16: return {1, 2};
    case GgmlType::BF16: return {1, 2};
    case GgmlType::Q4_0: return {32, 18};
    case GgmlType::Q5_0: return {32, 22};
    case GgmlType::Q8_0: return {32, 34};
    case GgmlType::Q4_K: return {256, 144};
    case GgmlType::Q6_K: return {256, 210};
  }
  throw GgufError(std::string("tensor type ") + type_name(type) + " (" + std::to_string(type) +
                  ") is not supported. HINT: use a model in F32, F16, BF16, Q8_0, Q4_0, Q5_0, Q4_K or Q6_K (Q4_K_M files qualify)");
}

// The j-th 6-bit scale and min of a Q4_K block (8 of each packed in 12 bytes).
void scale_min_k4(int j, const uint8_t* q, uint8_t& scale, uint8_t& min) {
  if (j < 4) {
    scale = q[j] & 63;
    min = q[j + 4] & 63;
  } else {
    scale = (q[j + 4] & 0x0f) | ((q[j - 4] >> 6) << 4);
    min = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}

void q4_k_block(const uint8_t* b, float* y) {
  const float d = fp16_to_float(u16(b));
  const float dmin = fp16_to_float(u16(b + 2));
  const uint8_t* scales = b + 4;
  const uint8_t* q = b + 16;
  for (int group = 0; group < 8; group += 2) {  // 64 values: low nibbles, then high nibbles
    uint8_t s0, m0, s1, m1;
    scale_min_k4(group, scales, s0, m0);
    scale_min_k4(group + 1, scales, s1, m1);
    for (int l = 0; l < 32; l++) y[l] = d * s0 * (q[l] & 0x0f) - dmin * m0;
    for (int l = 0; l < 32; l++) y[32 + l] = d * s1 * (q[l] >> 4) - dmin * m1;
    y += 64;
    q += 32;
  }
}

void q6_k_block(const uint8_t* b, float* y) {
  const uint8_t* ql = b;
  const uint8_t* qh = b + 128;
  const int8_t* sc = reinterpret_cast<const int8_t*>(b + 192);
  const float d = fp16_to_float(u16(b + 208));
  for (int half = 0; half < 2; half++) {  // 128 values each
    for (int l = 0; l < 32; l++) {
      const int is = l / 16;
      const int q1 = ((ql[l] & 0x0f) | (((qh[l] >> 0) & 3) << 4)) - 32;
      const int q2 = ((ql[l + 32] & 0x0f) | (((qh[l] >> 2) & 3) << 4)) - 32;
      const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
      const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
      y[l] = d * sc[is + 0] * q1;
      y[l + 32] = d * sc[is + 2] * q2;
      y[l + 64] = d * sc[is + 4] * q3;
      y[l + 96] = d * sc[is + 6] * q4;
    }
    y += 128;
    ql += 64;
    qh += 32;
    sc += 8;
  }
}

}  // namespace

const char* type_name(uint32_t type) {
  switch (type) {
    case 0: return "F32";
    case 1: return "F16";
    case 2: return "Q4_0";
    case 3: return "Q4_1";
    case 6: return "Q5_0";
    case 7: return "Q5_1";
    case 8: return "Q8_0";
    case 10: return "Q2_K";
    case 11: return "Q3_K";
    case 12: return "Q4_K";
    case 13: return "Q5_K";
    case 14: return "Q6_K";
    case 30: return "BF16";
    default: return "unknown";
  }
}

size_t row_bytes(uint32_t type, size_t count) {
  const Format f = format_of(type);
  if (count % f.block != 0) {
    throw GgufError(std::string(type_name(type)) + " rows hold whole blocks of " + std::to_string(f.block) + " values, not " + std::to_string(count));
  }
  return count / f.block * f.bytes;
}

void dequantize_row(uint32_t type, const uint8_t* src, float* dst, size_t count) {
  const Format f = format_of(type);
  const size_t blocks = count / f.block;
  switch (static_cast<GgmlType>(type)) {
    case GgmlType::F32:
      std::memcpy(dst, src, count * 4);
      return;
    case GgmlType::F16:
      for (size_t i = 0; i < count; i++) dst[i] = fp16_to_float(u16(src + 2 * i));
      return;
    case GgmlType::BF16:
      for (size_t i = 0; i < count; i++) dst[i] = bf16_to_float(u16(src + 2 * i));
      return;
    case GgmlType::Q4_0:
      for (size_t i = 0; i < blocks; i++, src += f.bytes, dst += 32) {
        const float d = fp16_to_float(u16(src));
        for (int j = 0; j < 16; j++) {
          dst[j] = d * ((src[2 + j] & 0x0f) - 8);
          dst[j + 16] = d * ((src[2 + j] >> 4) - 8);
        }
      }
      return;
    case GgmlType::Q5_0:
      for (size_t i = 0; i < blocks; i++, src += f.bytes, dst += 32) {
        const float d = fp16_to_float(u16(src));
        uint32_t qh;
        std::memcpy(&qh, src + 2, 4);
        const uint8_t* qs = src + 6;
        for (int j = 0; j < 16; j++) {
          const int high0 = ((qh >> j) << 4) & 0x10;
          const int high1 = (qh >> (j + 12)) & 0x10;
          dst[j] = d * (((qs[j] & 0x0f) | high0) - 16);
          dst[j + 16] = d * (((qs[j] >> 4) | high1) - 16);
        }
      }
      return;
    case GgmlType::Q8_0:
      for (size_t i = 0; i < blocks; i++, src += f.bytes, dst += 32) {
        const float d = fp16_to_float(u16(src));
        const int8_t* q = reinterpret_cast<const int8_t*>(src + 2);
        for (int j = 0; j < 32; j++) dst[j] = d * q[j];
      }
      return;
    case GgmlType::Q4_K:
      for (size_t i = 0; i < blocks; i++, src += f.bytes, dst += 256) q4_k_block(src, dst);
      return;
    case GgmlType::Q6_K:
      for (size_t i = 0; i < blocks; i++, src += f.bytes, dst += 256) q6_k_block(src, dst);
      return;
  }
}

}  // namespace codeq
