#include "ukey/pkcs11_token.h"

#include <dlfcn.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include <array>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "core/hash.h"

namespace ebank::ukey {
namespace {

// DER of the OID 1.2.840.10045.3.1.7 (P-256, "prime256v1"), the CKA_EC_PARAMS of our keys.
constexpr std::array<unsigned char, 10> kP256OidDer = {0x06, 0x08, 0x2a, 0x86, 0x48,
                                                       0xce, 0x3d, 0x03, 0x01, 0x07};
// A P-256 coordinate and an ECDSA P-256 signature half are 32 bytes.
constexpr size_t kP256FieldBytes = 32;
// Room for a signature on the largest curve (P-521: two halves of 66 bytes). A key that
// another tool put under our label could be on another curve; a buffer too small for it
// would leave the token's sign operation open, and RawSignatureToDer refuses it anyway.
constexpr size_t kRawSignatureBytesMax = 2 * 66;
// 0x04 || X || Y.
constexpr size_t kP256UncompressedPointBytes = 1 + 2 * kP256FieldBytes;

struct CkrEntry {
  CK_RV rv;
  const char* name;
};

#define EBANK_CKR(name) \
  { name, #name }
constexpr CkrEntry kCkrNames[] = {
    EBANK_CKR(CKR_OK),
    EBANK_CKR(CKR_CANCEL),
    EBANK_CKR(CKR_HOST_MEMORY),
    EBANK_CKR(CKR_SLOT_ID_INVALID),
    EBANK_CKR(CKR_GENERAL_ERROR),
    EBANK_CKR(CKR_FUNCTION_FAILED),
    EBANK_CKR(CKR_ARGUMENTS_BAD),
    EBANK_CKR(CKR_NO_EVENT),
    EBANK_CKR(CKR_NEED_TO_CREATE_THREADS),
    EBANK_CKR(CKR_CANT_LOCK),
    EBANK_CKR(CKR_ATTRIBUTE_READ_ONLY),
    EBANK_CKR(CKR_ATTRIBUTE_SENSITIVE),
    EBANK_CKR(CKR_ATTRIBUTE_TYPE_INVALID),
    EBANK_CKR(CKR_ATTRIBUTE_VALUE_INVALID),
    EBANK_CKR(CKR_ACTION_PROHIBITED),
    EBANK_CKR(CKR_DATA_INVALID),
    EBANK_CKR(CKR_DATA_LEN_RANGE),
    EBANK_CKR(CKR_DEVICE_ERROR),
    EBANK_CKR(CKR_DEVICE_MEMORY),
    EBANK_CKR(CKR_DEVICE_REMOVED),
    EBANK_CKR(CKR_FUNCTION_CANCELED),
    EBANK_CKR(CKR_FUNCTION_NOT_SUPPORTED),
    EBANK_CKR(CKR_KEY_HANDLE_INVALID),
    EBANK_CKR(CKR_KEY_SIZE_RANGE),
    EBANK_CKR(CKR_KEY_TYPE_INCONSISTENT),
    EBANK_CKR(CKR_KEY_FUNCTION_NOT_PERMITTED),
    EBANK_CKR(CKR_KEY_UNEXTRACTABLE),
    EBANK_CKR(CKR_MECHANISM_INVALID),
    EBANK_CKR(CKR_MECHANISM_PARAM_INVALID),
    EBANK_CKR(CKR_OBJECT_HANDLE_INVALID),
    EBANK_CKR(CKR_OPERATION_ACTIVE),
    EBANK_CKR(CKR_OPERATION_NOT_INITIALIZED),
    EBANK_CKR(CKR_PIN_INCORRECT),
    EBANK_CKR(CKR_PIN_INVALID),
    EBANK_CKR(CKR_PIN_LEN_RANGE),
    EBANK_CKR(CKR_PIN_EXPIRED),
    EBANK_CKR(CKR_PIN_LOCKED),
    EBANK_CKR(CKR_SESSION_CLOSED),
    EBANK_CKR(CKR_SESSION_COUNT),
    EBANK_CKR(CKR_SESSION_HANDLE_INVALID),
    EBANK_CKR(CKR_SESSION_PARALLEL_NOT_SUPPORTED),
    EBANK_CKR(CKR_SESSION_READ_ONLY),
    EBANK_CKR(CKR_SESSION_EXISTS),
    EBANK_CKR(CKR_SESSION_READ_ONLY_EXISTS),
    EBANK_CKR(CKR_SESSION_READ_WRITE_SO_EXISTS),
    EBANK_CKR(CKR_SIGNATURE_INVALID),
    EBANK_CKR(CKR_SIGNATURE_LEN_RANGE),
    EBANK_CKR(CKR_TEMPLATE_INCOMPLETE),
    EBANK_CKR(CKR_TEMPLATE_INCONSISTENT),
    EBANK_CKR(CKR_TOKEN_NOT_PRESENT),
    EBANK_CKR(CKR_TOKEN_NOT_RECOGNIZED),
    EBANK_CKR(CKR_TOKEN_WRITE_PROTECTED),
    EBANK_CKR(CKR_USER_ALREADY_LOGGED_IN),
    EBANK_CKR(CKR_USER_NOT_LOGGED_IN),
    EBANK_CKR(CKR_USER_PIN_NOT_INITIALIZED),
    EBANK_CKR(CKR_USER_TYPE_INVALID),
    EBANK_CKR(CKR_USER_ANOTHER_ALREADY_LOGGED_IN),
    EBANK_CKR(CKR_USER_TOO_MANY_TYPES),
    EBANK_CKR(CKR_RANDOM_SEED_NOT_SUPPORTED),
    EBANK_CKR(CKR_RANDOM_NO_RNG),
    EBANK_CKR(CKR_DOMAIN_PARAMS_INVALID),
    EBANK_CKR(CKR_CURVE_NOT_SUPPORTED),
    EBANK_CKR(CKR_BUFFER_TOO_SMALL),
    EBANK_CKR(CKR_INFORMATION_SENSITIVE),
    EBANK_CKR(CKR_CRYPTOKI_NOT_INITIALIZED),
    EBANK_CKR(CKR_CRYPTOKI_ALREADY_INITIALIZED),
    EBANK_CKR(CKR_MUTEX_BAD),
    EBANK_CKR(CKR_MUTEX_NOT_LOCKED),
    EBANK_CKR(CKR_FUNCTION_REJECTED),
};
#undef EBANK_CKR

CK_OBJECT_CLASS CkClass(ObjectClass object_class) {
  switch (object_class) {
    case ObjectClass::kPublicKey:
      return CKO_PUBLIC_KEY;
    case ObjectClass::kPrivateKey:
      return CKO_PRIVATE_KEY;
    case ObjectClass::kCertificate:
      return CKO_CERTIFICATE;
  }
  return CKO_DATA;
}

const char* ClassName(ObjectClass object_class) {
  switch (object_class) {
    case ObjectClass::kPublicKey:
      return "public key";
    case ObjectClass::kPrivateKey:
      return "private key";
    case ObjectClass::kCertificate:
      return "certificate";
  }
  return "object";
}

// PKCS#11 takes attribute values through non-const pointers even when it only reads them.
CK_ATTRIBUTE Attr(CK_ATTRIBUTE_TYPE type, const void* value, size_t size) {
  return CK_ATTRIBUTE{type, const_cast<void*>(value), static_cast<CK_ULONG>(size)};
}
CK_ATTRIBUTE Attr(CK_ATTRIBUTE_TYPE type, std::string_view bytes) {
  return Attr(type, bytes.data(), bytes.size());
}

Status CheckLabel(std::string_view label) {
  if (label.empty() || label.size() > kObjectLabelBytesMax) {
    return Status::Invalid(
        "ukey_label_malformed",
        "an object label has 1 to " + std::to_string(kObjectLabelBytesMax) + " bytes");
  }
  return Status::Ok();
}

// The token label from a CK_TOKEN_INFO: 32 bytes padded with spaces.
std::string_view TrimmedTokenLabel(const CK_TOKEN_INFO& info) {
  std::string_view label(reinterpret_cast<const char*>(info.label), sizeof(info.label));
  while (!label.empty() && (label.back() == ' ' || label.back() == '\0'))
    label.remove_suffix(1);
  return label;
}

// The uncompressed point inside CKA_EC_POINT. PKCS#11 v2.40 says the attribute is a DER
// OCTET STRING wrapping the point; some older modules return the bare point, so both are
// accepted.
Result<std::string> UnwrapEcPoint(std::string_view ec_point) {
  if (ec_point.size() == kP256UncompressedPointBytes && ec_point[0] == 0x04) {
    return std::string(ec_point);
  }
  const auto* cursor = reinterpret_cast<const unsigned char*>(ec_point.data());
  ASN1_OCTET_STRING* octets = d2i_ASN1_OCTET_STRING(nullptr, &cursor, ec_point.size());
  if (octets == nullptr ||
      cursor != reinterpret_cast<const unsigned char*>(ec_point.data()) + ec_point.size()) {
    ASN1_OCTET_STRING_free(octets);
    ERR_clear_error();
    return Status::Internal("ukey_public_key_malformed", "CKA_EC_POINT is not an OCTET STRING");
  }
  std::string point(reinterpret_cast<const char*>(ASN1_STRING_get0_data(octets)),
                    ASN1_STRING_length(octets));
  ASN1_OCTET_STRING_free(octets);
  if (point.size() != kP256UncompressedPointBytes || point[0] != 0x04) {
    return Status::Internal("ukey_public_key_malformed",
                            "CKA_EC_POINT is not an uncompressed P-256 point");
  }
  return point;
}

// An OpenSSL P-256 public key from an uncompressed point, through the OpenSSL 3 provider
// interface. The import and the explicit check refuse a point that is not on the curve.
Result<EvpPkeyPtr> P256PublicKey(const std::string& point) {
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
                                       const_cast<char*>(kP256GroupName), 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, const_cast<char*>(point.data()),
                                        point.size()),
      OSSL_PARAM_construct_end(),
  };
  EVP_PKEY_CTX* context = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
  EVP_PKEY* raw_key = nullptr;
  bool imported = context != nullptr && EVP_PKEY_fromdata_init(context) == 1 &&
                  EVP_PKEY_fromdata(context, &raw_key, EVP_PKEY_PUBLIC_KEY, params) == 1;
  EVP_PKEY_CTX_free(context);
  EvpPkeyPtr key(raw_key);
  if (!imported) {
    ERR_clear_error();
    return Status::Internal("ukey_public_key_malformed", "OpenSSL refused the token's EC point");
  }
  EVP_PKEY_CTX* check = EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr);
  bool on_curve = check != nullptr && EVP_PKEY_public_check(check) == 1;
  EVP_PKEY_CTX_free(check);
  if (!on_curve) {
    ERR_clear_error();
    return Status::Internal("ukey_public_key_malformed", "the token's EC point is not on P-256");
  }
  return key;
}

// PKCS#11 CKM_ECDSA returns r || s, each as wide as the field; X.509 and OpenSSL expect the
// DER SEQUENCE { r INTEGER, s INTEGER }.
Result<std::string> RawSignatureToDer(const unsigned char* raw, size_t size) {
  if (size != 2 * kP256FieldBytes) {
    return Status::Internal(
        "ukey_signature_malformed",
        "the token returned a " + std::to_string(size) + "-byte signature, not 64");
  }
  BIGNUM* r = BN_bin2bn(raw, kP256FieldBytes, nullptr);
  BIGNUM* s = BN_bin2bn(raw + kP256FieldBytes, kP256FieldBytes, nullptr);
  ECDSA_SIG* signature = ECDSA_SIG_new();
  if (r == nullptr || s == nullptr || signature == nullptr ||
      ECDSA_SIG_set0(signature, r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(signature);
    return OpensslError("cannot build ECDSA_SIG");
  }
  // The signature now owns r and s.
  unsigned char* der = nullptr;
  int der_size = i2d_ECDSA_SIG(signature, &der);
  ECDSA_SIG_free(signature);
  if (der_size <= 0) return OpensslError("cannot encode ECDSA_SIG");
  std::string result(reinterpret_cast<char*>(der), der_size);
  OPENSSL_free(der);
  return result;
}

// DER of a certificate's field, for the certificate object's CKA_SUBJECT, CKA_ISSUER and
// CKA_SERIAL_NUMBER, which PKCS#11 tools use to list and match certificates.
template <typename T, typename Encoder>
std::string ToDer(const T* value, Encoder encoder) {
  unsigned char* der = nullptr;
  int size = encoder(value, &der);
  if (size <= 0) return {};
  std::string result(reinterpret_cast<char*>(der), size);
  OPENSSL_free(der);
  return result;
}

}  // namespace

std::string CkrName(CK_RV rv) {
  for (const CkrEntry& entry : kCkrNames) {
    if (entry.rv == rv) return entry.name;
  }
  char hex[32];
  std::snprintf(hex, sizeof(hex), "CKR_0x%lx", static_cast<unsigned long>(rv));
  return hex;
}

Status Pkcs11Status(std::string_view function, CK_RV rv) {
  char code[32];
  std::snprintf(code, sizeof(code), " (0x%lx)", static_cast<unsigned long>(rv));
  std::string message = std::string(function) + ": " + CkrName(rv) + code;
  switch (rv) {
    case CKR_PIN_INCORRECT:
    case CKR_PIN_INVALID:
    case CKR_PIN_LEN_RANGE:
      return Status::Rejected("ukey_pin_incorrect", std::move(message));
    case CKR_PIN_LOCKED:
      return Status::Rejected("ukey_pin_locked", std::move(message));
    case CKR_PIN_EXPIRED:
      return Status::Rejected("ukey_pin_expired", std::move(message));
    case CKR_ATTRIBUTE_SENSITIVE:
      return Status::Rejected("ukey_attribute_sensitive", std::move(message));
    case CKR_USER_NOT_LOGGED_IN:
      return Status::Invalid("ukey_not_logged_in", std::move(message));
    case CKR_TOKEN_NOT_PRESENT:
    case CKR_DEVICE_REMOVED:
    case CKR_SESSION_CLOSED:
    case CKR_SESSION_HANDLE_INVALID:
      return Status::Unavailable("ukey_not_present", std::move(message));
    default:
      return Status::Internal("ukey_pkcs11_error", std::move(message));
  }
}

// A loaded and initialised PKCS#11 module, shared by every Pkcs11Token of the process that
// names the same path. PKCS#11 allows one C_Initialize per process and module, and
// C_Finalize ends every session of the process, so the registry counts users and finalizes
// only when the last one leaves.
class Pkcs11Token::Module {
 public:
  static Result<Module*> Acquire(const std::string& path) {
    std::lock_guard<std::mutex> lock(RegistryMutex());
    auto& registry = Registry();
    auto found = registry.find(path);
    if (found != registry.end()) {
      ++found->second->users_;
      return found->second.get();
    }
    // RTLD_LOCAL keeps a vendor module's symbols out of the rest of the process.
    void* library = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (library == nullptr) {
      const char* error = dlerror();
      return Status::Internal("ukey_module_load_failed",
                              "dlopen " + path + ": " + (error ? error : "unknown error"));
    }
    auto get_function_list =
        reinterpret_cast<CK_C_GetFunctionList>(dlsym(library, "C_GetFunctionList"));
    CK_FUNCTION_LIST_PTR functions = nullptr;
    if (get_function_list == nullptr || get_function_list(&functions) != CKR_OK ||
        functions == nullptr) {
      dlclose(library);
      return Status::Internal("ukey_module_load_failed",
                              path + " is not a PKCS#11 module (no C_GetFunctionList)");
    }
    // The application creates no threads of its own for the module and lets it use the
    // operating system's locks, so several sessions may run on several threads.
    CK_C_INITIALIZE_ARGS arguments{};
    arguments.flags = CKF_OS_LOCKING_OK;
    CK_RV rv = functions->C_Initialize(&arguments);
    // Someone else in the process (a p11-kit proxy, say) initialised it first; then that
    // someone finalizes it too.
    bool finalize = true;
    if (rv == CKR_CRYPTOKI_ALREADY_INITIALIZED) {
      finalize = false;
    } else if (rv != CKR_OK) {
      dlclose(library);
      return Pkcs11Status("C_Initialize", rv);
    }
    auto module = std::unique_ptr<Module>(new Module(library, functions, finalize));
    Module* result = module.get();
    registry.emplace(path, std::move(module));
    return result;
  }

  static void Release(Module* module) {
    std::lock_guard<std::mutex> lock(RegistryMutex());
    if (--module->users_ > 0) return;
    if (module->finalize_) module->functions_->C_Finalize(nullptr);
    dlclose(module->library_);
    auto& registry = Registry();
    for (auto it = registry.begin(); it != registry.end(); ++it) {
      if (it->second.get() == module) {
        registry.erase(it);
        break;
      }
    }
  }

  CK_FUNCTION_LIST_PTR functions() const { return functions_; }

 private:
  Module(void* library, CK_FUNCTION_LIST_PTR functions, bool finalize)
      : library_(library), functions_(functions), finalize_(finalize) {}

  static std::mutex& RegistryMutex() {
    static std::mutex mutex;
    return mutex;
  }
  // Never destroyed, so a Pkcs11Token destroyed during exit still finds it.
  static std::map<std::string, std::unique_ptr<Module>>& Registry() {
    static auto* registry = new std::map<std::string, std::unique_ptr<Module>>();
    return *registry;
  }

  void* library_;
  CK_FUNCTION_LIST_PTR functions_;
  bool finalize_;
  int users_ = 1;  // REQUIRES: RegistryMutex() held to read or change.
};

Pkcs11Token::Pkcs11Token(std::string module_path, std::string token_label)
    : module_path_(std::move(module_path)), token_label_(std::move(token_label)) {}

Pkcs11Token::~Pkcs11Token() {
  CloseSession();
  if (module_ != nullptr) Module::Release(module_);
}

Status Pkcs11Token::LoadModule() {
  if (module_ != nullptr) return Status::Ok();
  auto module = Module::Acquire(module_path_);
  if (!module.ok()) return module.status();
  module_ = *module;
  return Status::Ok();
}

Result<CK_SLOT_ID> Pkcs11Token::FindSlot() {
  CK_FUNCTION_LIST_PTR p11 = module_->functions();
  std::array<CK_SLOT_ID, kSlotsMax> slots;
  CK_ULONG count = slots.size();
  CK_RV rv = p11->C_GetSlotList(CK_TRUE, slots.data(), &count);
  if (rv == CKR_BUFFER_TOO_SMALL) {
    return Status::Internal("ukey_too_many_slots",
                            "the module has more than " + std::to_string(kSlotsMax) + " tokens");
  }
  if (rv != CKR_OK) return Pkcs11Status("C_GetSlotList", rv);
  std::vector<CK_SLOT_ID> matches;
  CK_TOKEN_INFO found_info{};
  for (CK_ULONG i = 0; i < count; ++i) {
    CK_TOKEN_INFO info{};
    rv = p11->C_GetTokenInfo(slots[i], &info);
    // A token pulled out between the two calls is simply not there.
    if (rv == CKR_TOKEN_NOT_PRESENT || rv == CKR_TOKEN_NOT_RECOGNIZED) continue;
    if (rv != CKR_OK) return Pkcs11Status("C_GetTokenInfo", rv);
    if (TrimmedTokenLabel(info) == token_label_) {
      matches.push_back(slots[i]);
      found_info = info;
    }
  }
  if (matches.empty()) {
    return Status::NotFound("ukey_token_not_found", "no token labelled '" + token_label_ + "'");
  }
  // Two tokens with one label could make us sign with the wrong customer's key.
  if (matches.size() > 1) {
    return Status::Conflict("ukey_token_ambiguous",
                            "several tokens are labelled '" + token_label_ + "'");
  }
  // Ask before trying: a login attempt on a locked token is refused anyway, and some tokens
  // count it.
  if (found_info.flags & CKF_USER_PIN_LOCKED) {
    return Status::Rejected("ukey_pin_locked", "the user PIN of '" + token_label_ + "' is locked");
  }
  return matches[0];
}

Status Pkcs11Token::Login(std::string_view user_pin) {
  if (logged_in()) return Status::Ok();
  if (token_label_.empty() || token_label_.size() > kTokenLabelBytesMax) {
    return Status::Invalid(
        "ukey_token_label_malformed",
        "a token label has 1 to " + std::to_string(kTokenLabelBytesMax) + " bytes");
  }
  if (user_pin.empty() || user_pin.size() > kPinBytesMax) {
    return Status::Invalid("ukey_pin_malformed",
                           "a PIN has 1 to " + std::to_string(kPinBytesMax) + " bytes");
  }
  EBANK_RETURN_IF_ERROR(LoadModule());
  auto slot = FindSlot();
  if (!slot.ok()) return slot.status();
  CK_FUNCTION_LIST_PTR p11 = module_->functions();
  CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
  CK_RV rv =
      p11->C_OpenSession(*slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &session);
  if (rv != CKR_OK) return Pkcs11Status("C_OpenSession", rv);
  rv = p11->C_Login(session, CKU_USER,
                    reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(user_pin.data())),
                    user_pin.size());
  // Another Pkcs11Token of this process logged in to the same token already.
  if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
    p11->C_CloseSession(session);
    return Pkcs11Status("C_Login", rv);
  }
  session_ = session;
  return Status::Ok();
}

void Pkcs11Token::CloseSession() {
  if (session_ == CK_INVALID_HANDLE) return;
  // Closing the last session of the token logs the user out (PKCS#11 v2.40, 5.6).
  module_->functions()->C_CloseSession(session_);
  session_ = CK_INVALID_HANDLE;
}

Status Pkcs11Token::RequireSession() const {
  if (logged_in()) return Status::Ok();
  return Status::Invalid("ukey_not_logged_in", "call Login() first");
}

Result<CK_OBJECT_HANDLE> Pkcs11Token::FindObject(ObjectClass object_class, std::string_view label) {
  EBANK_RETURN_IF_ERROR(RequireSession());
  EBANK_RETURN_IF_ERROR(CheckLabel(label));
  CK_FUNCTION_LIST_PTR p11 = module_->functions();
  CK_OBJECT_CLASS ck_class = CkClass(object_class);
  CK_ATTRIBUTE search[] = {Attr(CKA_CLASS, &ck_class, sizeof(ck_class)), Attr(CKA_LABEL, label)};
  CK_RV rv = p11->C_FindObjectsInit(session_, search, std::size(search));
  if (rv != CKR_OK) return Pkcs11Status("C_FindObjectsInit", rv);
  // Two results are enough to know the label is ambiguous.
  std::array<CK_OBJECT_HANDLE, 2> objects{};
  CK_ULONG count = 0;
  rv = p11->C_FindObjects(session_, objects.data(), objects.size(), &count);
  CK_RV final_rv = p11->C_FindObjectsFinal(session_);
  if (rv != CKR_OK) return Pkcs11Status("C_FindObjects", rv);
  if (final_rv != CKR_OK) return Pkcs11Status("C_FindObjectsFinal", final_rv);
  std::string what =
      std::string(ClassName(object_class)) + " labelled '" + std::string(label) + "'";
  if (count == 0) return Status::NotFound("ukey_object_not_found", "no " + what);
  if (count > 1) return Status::Conflict("ukey_label_ambiguous", "more than one " + what);
  return objects[0];
}

Result<bool> Pkcs11Token::LabelTaken(ObjectClass object_class, std::string_view label) {
  auto object = FindObject(object_class, label);
  if (object.ok()) return true;
  if (object.status().reason() == "ukey_object_not_found") return false;
  if (object.status().reason() == "ukey_label_ambiguous") return true;
  return object.status();
}

Result<std::string> Pkcs11Token::ReadAttribute(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type) {
  CK_FUNCTION_LIST_PTR p11 = module_->functions();
  CK_ATTRIBUTE attribute = Attr(type, nullptr, 0);
  CK_RV rv = p11->C_GetAttributeValue(session_, object, &attribute, 1);
  if (rv != CKR_OK) return Pkcs11Status("C_GetAttributeValue", rv);
  // Some modules answer CKR_OK for the whole call and mark the one attribute unavailable.
  if (attribute.ulValueLen == CK_UNAVAILABLE_INFORMATION) {
    return Pkcs11Status("C_GetAttributeValue", CKR_ATTRIBUTE_SENSITIVE);
  }
  if (attribute.ulValueLen > kAttributeBytesMax) {
    return Status::Internal("ukey_attribute_too_large",
                            "attribute of " + std::to_string(attribute.ulValueLen) + " bytes");
  }
  std::string value(attribute.ulValueLen, '\0');
  attribute.pValue = value.data();
  rv = p11->C_GetAttributeValue(session_, object, &attribute, 1);
  if (rv != CKR_OK) return Pkcs11Status("C_GetAttributeValue", rv);
  value.resize(attribute.ulValueLen);
  return value;
}

Result<std::string> Pkcs11Token::Attribute(ObjectClass object_class, std::string_view label,
                                           CK_ATTRIBUTE_TYPE type) {
  auto object = FindObject(object_class, label);
  if (!object.ok()) return object.status();
  return ReadAttribute(*object, type);
}

Status Pkcs11Token::GenerateKeyPair(std::string_view label, std::string_view id) {
  EBANK_RETURN_IF_ERROR(RequireSession());
  EBANK_RETURN_IF_ERROR(CheckLabel(label));
  if (id.empty() || id.size() > kObjectIdBytesMax) {
    return Status::Invalid("ukey_id_malformed",
                           "an object id has 1 to " + std::to_string(kObjectIdBytesMax) + " bytes");
  }
  // Labels name key pairs, so a second pair under one label would make Sign() ambiguous.
  for (ObjectClass object_class : {ObjectClass::kPublicKey, ObjectClass::kPrivateKey}) {
    auto taken = LabelTaken(object_class, label);
    if (!taken.ok()) return taken.status();
    if (*taken) {
      return Status::Conflict("ukey_label_taken",
                              "a key labelled '" + std::string(label) + "' exists");
    }
  }
  CK_BBOOL yes = CK_TRUE;
  CK_BBOOL no = CK_FALSE;
  CK_OBJECT_CLASS public_class = CKO_PUBLIC_KEY;
  CK_OBJECT_CLASS private_class = CKO_PRIVATE_KEY;
  CK_KEY_TYPE key_type = CKK_EC;
  CK_ATTRIBUTE public_template[] = {
      Attr(CKA_CLASS, &public_class, sizeof(public_class)),
      Attr(CKA_KEY_TYPE, &key_type, sizeof(key_type)),
      Attr(CKA_TOKEN, &yes, sizeof(yes)),
      Attr(CKA_PRIVATE, &no, sizeof(no)),
      Attr(CKA_VERIFY, &yes, sizeof(yes)),
      Attr(CKA_EC_PARAMS, kP256OidDer.data(), kP256OidDer.size()),
      Attr(CKA_ID, id),
      Attr(CKA_LABEL, label),
  };
  // The private key is the customer's identity: sensitive and never extractable, so not even
  // a logged-in user can copy it off the token, and usable only for signing.
  CK_ATTRIBUTE private_template[] = {
      Attr(CKA_CLASS, &private_class, sizeof(private_class)),
      Attr(CKA_KEY_TYPE, &key_type, sizeof(key_type)),
      Attr(CKA_TOKEN, &yes, sizeof(yes)),
      Attr(CKA_PRIVATE, &yes, sizeof(yes)),
      Attr(CKA_SENSITIVE, &yes, sizeof(yes)),
      Attr(CKA_EXTRACTABLE, &no, sizeof(no)),
      Attr(CKA_SIGN, &yes, sizeof(yes)),
      Attr(CKA_DECRYPT, &no, sizeof(no)),
      Attr(CKA_DERIVE, &no, sizeof(no)),
      Attr(CKA_UNWRAP, &no, sizeof(no)),
      Attr(CKA_ID, id),
      Attr(CKA_LABEL, label),
  };
  CK_MECHANISM mechanism{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
  CK_OBJECT_HANDLE public_key = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE private_key = CK_INVALID_HANDLE;
  CK_RV rv = module_->functions()->C_GenerateKeyPair(
      session_, &mechanism, public_template, std::size(public_template), private_template,
      std::size(private_template), &public_key, &private_key);
  if (rv != CKR_OK) return Pkcs11Status("C_GenerateKeyPair", rv);
  return Status::Ok();
}

Result<EvpPkeyPtr> Pkcs11Token::PublicKey(std::string_view label) {
  auto object = FindObject(ObjectClass::kPublicKey, label);
  if (!object.ok()) return object.status();
  auto params = ReadAttribute(*object, CKA_EC_PARAMS);
  if (!params.ok()) return params.status();
  if (*params !=
      std::string_view(reinterpret_cast<const char*>(kP256OidDer.data()), kP256OidDer.size())) {
    return Status::Rejected("ukey_key_unsupported",
                            "the key labelled '" + std::string(label) + "' is not on P-256");
  }
  auto ec_point = ReadAttribute(*object, CKA_EC_POINT);
  if (!ec_point.ok()) return ec_point.status();
  auto point = UnwrapEcPoint(*ec_point);
  if (!point.ok()) return point.status();
  return P256PublicKey(*point);
}

Status Pkcs11Token::StoreCertificate(std::string_view label, std::string_view certificate_der) {
  auto parsed = ParseCertificateDer(certificate_der);
  if (!parsed.ok()) return parsed.status();
  X509Ptr certificate = std::move(*parsed);
  auto public_key = PublicKey(label);
  if (!public_key.ok()) return public_key.status();
  // A certificate for another key would make every signature of this token fail to verify,
  // or worse, vouch for a key the token does not hold.
  if (EVP_PKEY_eq(X509_get0_pubkey(certificate.get()), public_key->get()) != 1) {
    return Status::Rejected(
        "ukey_certificate_key_mismatch",
        "the certificate is not for the key labelled '" + std::string(label) + "'");
  }
  auto taken = LabelTaken(ObjectClass::kCertificate, label);
  if (!taken.ok()) return taken.status();
  if (*taken) {
    return Status::Conflict("ukey_label_taken",
                            "a certificate labelled '" + std::string(label) + "' exists");
  }
  auto public_object = FindObject(ObjectClass::kPublicKey, label);
  if (!public_object.ok()) return public_object.status();
  auto id = ReadAttribute(*public_object, CKA_ID);
  if (!id.ok()) return id.status();

  std::string subject = ToDer(X509_get_subject_name(certificate.get()), i2d_X509_NAME);
  std::string issuer = ToDer(X509_get_issuer_name(certificate.get()), i2d_X509_NAME);
  std::string serial = ToDer(X509_get0_serialNumber(certificate.get()), i2d_ASN1_INTEGER);
  if (subject.empty() || issuer.empty() || serial.empty()) {
    return OpensslError("cannot encode the certificate's names");
  }
  CK_BBOOL yes = CK_TRUE;
  CK_BBOOL no = CK_FALSE;
  CK_OBJECT_CLASS object_class = CKO_CERTIFICATE;
  CK_CERTIFICATE_TYPE certificate_type = CKC_X_509;
  CK_ATTRIBUTE object_template[] = {
      Attr(CKA_CLASS, &object_class, sizeof(object_class)),
      Attr(CKA_CERTIFICATE_TYPE, &certificate_type, sizeof(certificate_type)),
      Attr(CKA_TOKEN, &yes, sizeof(yes)),
      Attr(CKA_PRIVATE, &no, sizeof(no)),
      Attr(CKA_ID, *id),
      Attr(CKA_LABEL, label),
      Attr(CKA_SUBJECT, subject),
      Attr(CKA_ISSUER, issuer),
      Attr(CKA_SERIAL_NUMBER, serial),
      Attr(CKA_VALUE, certificate_der),
  };
  CK_OBJECT_HANDLE object = CK_INVALID_HANDLE;
  CK_RV rv = module_->functions()->C_CreateObject(session_, object_template,
                                                  std::size(object_template), &object);
  if (rv != CKR_OK) return Pkcs11Status("C_CreateObject", rv);
  return Status::Ok();
}

Result<std::string> Pkcs11Token::Certificate(std::string_view label) {
  return Attribute(ObjectClass::kCertificate, label, CKA_VALUE);
}

Result<std::string> Pkcs11Token::Sign(std::string_view label, std::string_view message) {
  if (message.size() > kSignedMessageBytesMax) {
    return Status::Invalid(
        "ukey_message_too_large",
        "a signed message has at most " + std::to_string(kSignedMessageBytesMax) + " bytes");
  }
  auto key = FindObject(ObjectClass::kPrivateKey, label);
  if (!key.ok()) return key.status();
  // Hashing here and signing the digest with plain CKM_ECDSA works on every token, including
  // those without CKM_ECDSA_SHA256, and keeps the slow token link to 32 bytes.
  Digest digest = Sha256(message);
  CK_FUNCTION_LIST_PTR p11 = module_->functions();
  CK_MECHANISM mechanism{CKM_ECDSA, nullptr, 0};
  CK_RV rv = p11->C_SignInit(session_, &mechanism, *key);
  if (rv != CKR_OK) return Pkcs11Status("C_SignInit", rv);
  std::array<unsigned char, kRawSignatureBytesMax> raw{};
  CK_ULONG raw_size = raw.size();
  rv = p11->C_Sign(session_, digest.data(), digest.size(), raw.data(), &raw_size);
  if (rv != CKR_OK) return Pkcs11Status("C_Sign", rv);
  return RawSignatureToDer(raw.data(), raw_size);
}

}  // namespace ebank::ukey
