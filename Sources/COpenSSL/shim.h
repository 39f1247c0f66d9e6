// Shims over OpenSSL 3 for Swift.
//
// Swift imports C functions but not function-like macros, variadic functions
// or most `#define` constants. Each `static inline` below wraps exactly one such
// macro or constant; the comment on each line says why it is needed.
#ifndef HUB_COPENSSL_SHIM_H
#define HUB_COPENSSL_SHIM_H

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

// MARK: - Memory and BIOs

// OPENSSL_free is a macro that passes __FILE__/__LINE__ to CRYPTO_free.
static inline void hub_OPENSSL_free(void *ptr) { OPENSSL_free(ptr); }

// BIO_get_mem_ptr is a macro over BIO_ctrl(BIO_C_GET_BUF_MEM_PTR).
static inline long hub_BIO_get_mem_ptr(BIO *bio, BUF_MEM **out) { return BIO_get_mem_ptr(bio, out); }

// BIO_set_mem_eof_return is a macro over BIO_ctrl(BIO_C_SET_BUF_MEM_EOF_RETURN).
static inline long hub_BIO_set_mem_eof_return(BIO *bio, int value) { return BIO_set_mem_eof_return(bio, value); }

// BIO_pending is a macro over BIO_ctrl(BIO_CTRL_PENDING).
static inline size_t hub_BIO_pending(BIO *bio) { return BIO_pending(bio); }

// MARK: - Key generation

// EVP_PKEY_Q_keygen is variadic; this fixes its arguments for EC curves by name.
static inline EVP_PKEY *hub_EVP_PKEY_generate_ec(const char *curve) { return EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve); }

// EVP_PKEY_KEYPAIR is a composite #define Swift cannot import.
static inline int hub_EVP_PKEY_KEYPAIR(void) { return EVP_PKEY_KEYPAIR; }

// MARK: - Stacks (every sk_TYPE_* accessor is a macro)

// sk_X509_new_null is a macro over OPENSSL_sk_new_null.
static inline STACK_OF(X509) *hub_sk_X509_new_null(void) { return sk_X509_new_null(); }
// sk_X509_push is a macro over OPENSSL_sk_push.
static inline int hub_sk_X509_push(STACK_OF(X509) *stack, X509 *cert) { return sk_X509_push(stack, cert); }
// sk_X509_num is a macro over OPENSSL_sk_num.
static inline int hub_sk_X509_num(const STACK_OF(X509) *stack) { return sk_X509_num(stack); }
// sk_X509_value is a macro over OPENSSL_sk_value.
static inline X509 *hub_sk_X509_value(const STACK_OF(X509) *stack, int i) { return sk_X509_value(stack, i); }
// sk_X509_free is a macro over OPENSSL_sk_free; it frees the stack, not the certificates.
static inline void hub_sk_X509_free(STACK_OF(X509) *stack) { sk_X509_free(stack); }
// sk_X509_pop_free is a macro; this frees the stack and every certificate in it.
static inline void hub_sk_X509_pop_free_all(STACK_OF(X509) *stack) { sk_X509_pop_free(stack, X509_free); }
// sk_X509_CRL_new_null is a macro over OPENSSL_sk_new_null.
static inline STACK_OF(X509_CRL) *hub_sk_X509_CRL_new_null(void) { return sk_X509_CRL_new_null(); }
// sk_X509_CRL_push is a macro over OPENSSL_sk_push.
static inline int hub_sk_X509_CRL_push(STACK_OF(X509_CRL) *stack, X509_CRL *crl) { return sk_X509_CRL_push(stack, crl); }
// sk_X509_CRL_free is a macro over OPENSSL_sk_free.
static inline void hub_sk_X509_CRL_free(STACK_OF(X509_CRL) *stack) { sk_X509_CRL_free(stack); }
// sk_GENERAL_NAME_num is a macro over OPENSSL_sk_num.
static inline int hub_sk_GENERAL_NAME_num(const GENERAL_NAMES *names) { return sk_GENERAL_NAME_num(names); }
// sk_GENERAL_NAME_value is a macro over OPENSSL_sk_value.
static inline GENERAL_NAME *hub_sk_GENERAL_NAME_value(const GENERAL_NAMES *names, int i) { return sk_GENERAL_NAME_value(names, i); }
// sk_GENERAL_NAME_pop_free is a macro; frees the names returned by X509_get_ext_d2i.
static inline void hub_GENERAL_NAMES_free_all(GENERAL_NAMES *names) { sk_GENERAL_NAME_pop_free(names, GENERAL_NAME_free); }
// sk_GENERAL_NAME_new_null is a macro over OPENSSL_sk_new_null.
static inline GENERAL_NAMES *hub_sk_GENERAL_NAME_new_null(void) { return sk_GENERAL_NAME_new_null(); }
// sk_GENERAL_NAME_push is a macro over OPENSSL_sk_push.
static inline int hub_sk_GENERAL_NAME_push(GENERAL_NAMES *names, GENERAL_NAME *name) { return sk_GENERAL_NAME_push(names, name); }

// MARK: - X.509 constants

// GEN_DNS is a #define Swift does not import as a typed constant.
static inline int hub_GEN_DNS(void) { return GEN_DNS; }
// GEN_URI is a #define Swift does not import as a typed constant.
static inline int hub_GEN_URI(void) { return GEN_URI; }
// GEN_IPADD is a #define Swift does not import as a typed constant.
static inline int hub_GEN_IPADD(void) { return GEN_IPADD; }
// NID_subject_alt_name and friends are #defines; Swift sees them, but typed as Int32 this stays explicit.
static inline int hub_NID_subject_alt_name(void) { return NID_subject_alt_name; }

// MARK: - TLS

// SSL_CTX_set_min_proto_version is a macro over SSL_CTX_ctrl.
static inline long hub_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) { return SSL_CTX_set_min_proto_version(ctx, version); }
// SSL_CTX_set_max_proto_version is a macro over SSL_CTX_ctrl.
static inline long hub_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version) { return SSL_CTX_set_max_proto_version(ctx, version); }
// SSL_CTX_set_mode is a macro over SSL_CTX_ctrl.
static inline long hub_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_set_mode(ctx, mode); }
// SSL_CTX_set_session_cache_mode is a macro over SSL_CTX_ctrl.
static inline long hub_SSL_CTX_set_session_cache_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_set_session_cache_mode(ctx, mode); }
// SSL_set_tlsext_host_name is a macro over SSL_ctrl.
static inline long hub_SSL_set_tlsext_host_name(SSL *ssl, const char *name) { return SSL_set_tlsext_host_name(ssl, name); }
// TLS1_3_VERSION is a #define.
static inline int hub_TLS1_3_VERSION(void) { return TLS1_3_VERSION; }
// The SSL_OP_* options are #defines of 64-bit constants; these are the ones the hub policy sets.
static inline uint64_t hub_SSL_OP_policy(void) {
    return SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET
        | SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION | SSL_OP_NO_ANTI_REPLAY
        | SSL_OP_CIPHER_SERVER_PREFERENCE;
}
// SSL_SESS_CACHE_OFF is a #define.
static inline long hub_SSL_SESS_CACHE_OFF(void) { return SSL_SESS_CACHE_OFF; }
// SSL_MODE_* are #defines.
static inline long hub_SSL_MODE_policy(void) { return SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS; }
// SSL_VERIFY_* are #defines.
static inline int hub_SSL_VERIFY_require_peer(void) { return SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT; }
// SSL_VERIFY_PEER is a #define.
static inline int hub_SSL_VERIFY_PEER(void) { return SSL_VERIFY_PEER; }

// MARK: - Verification flags

// X509_V_FLAG_* are #defines of unsigned long constants.
static inline unsigned long hub_X509_V_FLAG_crl_all(void) { return X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL; }
// X509_V_FLAG_X509_STRICT is a #define.
static inline unsigned long hub_X509_V_FLAG_X509_STRICT(void) { return X509_V_FLAG_X509_STRICT; }
// X509_V_FLAG_USE_CHECK_TIME is a #define.
static inline unsigned long hub_X509_V_FLAG_USE_CHECK_TIME(void) { return X509_V_FLAG_USE_CHECK_TIME; }
// X509_V_FLAG_NO_CHECK_TIME is a #define.
static inline unsigned long hub_X509_V_FLAG_NO_CHECK_TIME(void) { return X509_V_FLAG_NO_CHECK_TIME; }

// MARK: - JWE (ECDH-ES, Concat KDF, AES-GCM)

// OSSL_KDF_PARAM_KEY is a #define string; an OSSL_PARAM keeps its name pointer, so it must outlive the call.
static inline const char *hub_OSSL_KDF_PARAM_KEY(void) { return OSSL_KDF_PARAM_KEY; }
// OSSL_KDF_PARAM_INFO is a #define string; an OSSL_PARAM keeps its name pointer, so it must outlive the call.
static inline const char *hub_OSSL_KDF_PARAM_INFO(void) { return OSSL_KDF_PARAM_INFO; }
// OSSL_KDF_PARAM_DIGEST is a #define string; an OSSL_PARAM keeps its name pointer, so it must outlive the call.
static inline const char *hub_OSSL_KDF_PARAM_DIGEST(void) { return OSSL_KDF_PARAM_DIGEST; }
// OSSL_PKEY_PARAM_GROUP_NAME is a #define string; OSSL_PARAM_BLD keeps the name pointer until it builds (a Swift literal is a temporary).
static inline const char *hub_OSSL_PKEY_PARAM_GROUP_NAME(void) { return OSSL_PKEY_PARAM_GROUP_NAME; }
// OSSL_PKEY_PARAM_PRIV_KEY is a #define string; OSSL_PARAM_BLD keeps the name pointer until it builds.
static inline const char *hub_OSSL_PKEY_PARAM_PRIV_KEY(void) { return OSSL_PKEY_PARAM_PRIV_KEY; }
// OSSL_PKEY_PARAM_PUB_KEY is a #define string; OSSL_PARAM_BLD keeps the name pointer until it builds.
static inline const char *hub_OSSL_PKEY_PARAM_PUB_KEY(void) { return OSSL_PKEY_PARAM_PUB_KEY; }
// SN_X9_62_prime256v1 is a #define string; OSSL_PARAM_BLD keeps the value pointer until it builds.
static inline const char *hub_SN_X9_62_prime256v1(void) { return SN_X9_62_prime256v1; }

// MARK: - X.509 certificates, CRLs and issuing

// sk_X509_REVOKED_num is a macro over OPENSSL_sk_num.
static inline int hub_sk_X509_REVOKED_num(const STACK_OF(X509_REVOKED) *stack) { return sk_X509_REVOKED_num(stack); }
// sk_X509_REVOKED_value is a macro over OPENSSL_sk_value.
static inline X509_REVOKED *hub_sk_X509_REVOKED_value(const STACK_OF(X509_REVOKED) *stack, int i) { return sk_X509_REVOKED_value(stack, i); }
// MBSTRING_UTF8 is defined through MBSTRING_FLAG, which Swift does not evaluate.
static inline int hub_MBSTRING_UTF8(void) { return MBSTRING_UTF8; }
// XN_FLAG_RFC2253 is a composite #define; without ESC_MSB so UTF-8 names print as UTF-8.
static inline unsigned long hub_XN_FLAG_RFC2253_UTF8(void) { return XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB; }
// EXFLAG_CA is a #define of the cached-extension flag set by basicConstraints CA:TRUE.
static inline uint32_t hub_EXFLAG_CA(void) { return EXFLAG_CA; }
// ERR_GET_REASON is static inline in err.h over a packed error code; wrapped to keep Swift off the bit layout.
static inline int hub_ERR_peek_last_reason(void) { return ERR_GET_REASON(ERR_peek_last_error()); }
// ERR_GET_LIB is static inline in err.h; paired with the reason to tell PEM end-of-input from a real error.
static inline int hub_ERR_peek_last_lib(void) { return ERR_GET_LIB(ERR_peek_last_error()); }
// X509_CHECK_FLAG_* are #defines; RFC 6125 host matching without partial wildcards or a CN fallback.
static inline unsigned int hub_X509_CHECK_FLAG_policy(void) { return X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS | X509_CHECK_FLAG_NEVER_CHECK_SUBJECT; }
// MARK: - TLS handler

#include <string.h>

// The server's ALPN choice (a C function pointer for SSL_CTX_set_alpn_select_cb): http/1.1 if offered, else a fatal no_application_protocol alert.
static int hub_alpn_select_http11(SSL *ssl, const unsigned char **out, unsigned char *outlen, const unsigned char *in, unsigned int inlen, void *arg) {
    (void)ssl; (void)arg;
    static const unsigned char wanted[] = { 'h', 't', 't', 'p', '/', '1', '.', '1' };
    unsigned int i = 0;
    while (i < inlen) {
        unsigned int length = in[i];
        if (length == 0 || i + 1 + length > inlen) return SSL_TLSEXT_ERR_ALERT_FATAL;
        if (length == sizeof(wanted) && memcmp(in + i + 1, wanted, sizeof(wanted)) == 0) {
            *out = in + i + 1;
            *outlen = (unsigned char)length;
            return SSL_TLSEXT_ERR_OK;
        }
        i += 1 + length;
    }
    return SSL_TLSEXT_ERR_ALERT_FATAL;
}
// SSL_CTX_set_alpn_select_cb needs a C function pointer; this installs the http/1.1 selector above.
static inline void hub_SSL_CTX_select_alpn_http11(SSL_CTX *ctx) { SSL_CTX_set_alpn_select_cb(ctx, hub_alpn_select_http11, NULL); }
// ERR_GET_REASON is an inline function over a bit mask Swift may not see; this keeps the call explicit.
static inline int hub_ERR_GET_REASON(unsigned long code) { return ERR_GET_REASON(code); }
// SSL_AD_REASON_OFFSET is a #define: an alert received from the peer is reported as this offset plus the alert number.
static inline int hub_SSL_AD_REASON_OFFSET(void) { return SSL_AD_REASON_OFFSET; }
// SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE is a #define: the server's reason when a client sent no certificate.
static inline int hub_SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE(void) { return SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE; }
// X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS is a #define of an unsigned int flag.
static inline unsigned int hub_X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS(void) { return X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS; }
// SSL_CTX_add1_chain_cert is a macro over SSL_CTX_ctrl; it takes its own reference to the certificate.
static inline long hub_SSL_CTX_add1_chain_cert(SSL_CTX *ctx, X509 *cert) { return SSL_CTX_add1_chain_cert(ctx, cert); }

// MARK: - Referrals (HKDF for identity at rest)

// OSSL_KDF_PARAM_SALT is a #define string; an OSSL_PARAM keeps its name pointer, so it must outlive the call.
static inline const char *hub_OSSL_KDF_PARAM_SALT(void) { return OSSL_KDF_PARAM_SALT; }

#endif
