// Matrix products, row-major with explicit leading dimensions:
//   C[m,n] = α·op(A)·op(B) + β·C,  op(A) = A[m,k] or A[k,m]ᵀ (ta),  op(B) = B[k,n] or B[n,k]ᵀ (tb).
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
void gemm(bool ta, bool tb, int m, int n, int k, T alpha, const T* a, int lda, const T* b, int ldb, T beta, T* c, int ldc) {
#ifdef CODEQ_BLAS
  if constexpr (std::is_same_v<T, float>) {
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
#endif
  const auto at = [&](int i, int p) { return ta ? a[static_cast<size_t>(p) * lda + i] : a[static_cast<size_t>(i) * lda + p]; };
  for (int i = 0; i < m; i++) {
    T* ci = c + static_cast<size_t>(i) * ldc;
    for (int j = 0; j < n; j++) ci[j] = beta == T(0) ? T(0) : beta * ci[j];
    if (tb) {  // rows of B are contiguous: dot products
      for (int j = 0; j < n; j++) {
        const T* bj = b + static_cast<size_t>(j) * ldb;
        T acc = 0;
        for (int p = 0; p < k; p++) acc += at(i, p) * bj[p];
        ci[j] += alpha * acc;
      }
    } else {  // rows of B run along C's row: scaled row sums
      for (int p = 0; p < k; p++) {
        const T s = alpha * at(i, p);
        if (s == T(0)) continue;
        const T* bp = b + static_cast<size_t>(p) * ldb;
        for (int j = 0; j < n; j++) ci[j] += s * bp[j];
      }
    }
  }
}

// The three forms the model uses, named by which operand is transposed.
template <typename T>
void gemm_nt(int m, int n, int k, T alpha, const T* a, int lda, const T* b, int ldb, T beta, T* c, int ldc) {
  gemm(false, true, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
template <typename T>
void gemm_nn(int m, int n, int k, T alpha, const T* a, int lda, const T* b, int ldb, T beta, T* c, int ldc) {
  gemm(false, false, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
template <typename T>
void gemm_tn(int m, int n, int k, T alpha, const T* a, int lda, const T* b, int ldb, T beta, T* c, int ldc) {
  gemm(true, false, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

}  // namespace codeq
