// The three matrix products the model needs, row-major with explicit leading dimensions:
//   nt: C[m,n] = α·A[m,k]·B[n,k]ᵀ + β·C     nn: C[m,n] = α·A[m,k]·B[k,n] + β·C
//   tn: C[m,n] = α·A[k,m]ᵀ·B[k,n] + β·C
// float goes to BLAS (OpenBLAS, multithreaded) when built with CODEQ_BLAS; every other type
// (double, for the gradient checks) to plain loops.
#pragma once

#include <cstddef>
#include <type_traits>

#ifdef CODEQ_BLAS
#include <cblas.h>
#endif

namespace codeq {

template <typename T>
void gemm_nt(int m, int n, int k, T alpha, const T* a, int lda, const T* b, int ldb, T beta, T* c, int ldc) {
#ifdef CODEQ_BLAS
  if constexpr (std::is_same_v<T, float>) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
#endif
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++) {
      T acc = 0;
      const T* ai = a + static_cast<size_t>(i) * lda;
      const T* bj = b + static_cast<size_t>(j) * ldb;
      for (int p = 0; p < k; p++) acc += ai[p] * bj[p];
      T& out = c[static_cast<size_t>(i) * ldc + j];
      out = alpha * acc + (beta == T(0) ? T(0) : beta * out);
    }
}

template <typename T>
void gemm_nn(int m, int n, int k, T alpha, const T* a, int lda, const T* b, int ldb, T beta, T* c, int ldc) {
#ifdef CODEQ_BLAS
  if constexpr (std::is_same_v<T, float>) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
#endif
  for (int i = 0; i < m; i++) {
    T* ci = c + static_cast<size_t>(i) * ldc;
    for (int j = 0; j < n; j++) ci[j] = beta == T(0) ? T(0) : beta * ci[j];
    for (int p = 0; p < k; p++) {
      const T s = alpha * a[static_cast<size_t>(i) * lda + p];
      if (s == T(0)) continue;
      const T* bp = b + static_cast<size_t>(p) * ldb;
      for (int j = 0; j < n; j++) ci[j] += s * bp[j];
    }
  }
}

template <typename T>
void gemm_tn(int m, int n, int k, T alpha, const T* a, int lda, const T* b, int ldb, T beta, T* c, int ldc) {
#ifdef CODEQ_BLAS
  if constexpr (std::is_same_v<T, float>) {
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
#endif
  for (int i = 0; i < m; i++) {
    T* ci = c + static_cast<size_t>(i) * ldc;
    for (int j = 0; j < n; j++) ci[j] = beta == T(0) ? T(0) : beta * ci[j];
  }
  for (int p = 0; p < k; p++) {
    const T* ap = a + static_cast<size_t>(p) * lda;
    const T* bp = b + static_cast<size_t>(p) * ldb;
    for (int i = 0; i < m; i++) {
      const T s = alpha * ap[i];
      if (s == T(0)) continue;
      T* ci = c + static_cast<size_t>(i) * ldc;
      for (int j = 0; j < n; j++) ci[j] += s * bp[j];
    }
  }
}

}  // namespace codeq
