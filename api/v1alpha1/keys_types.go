package v1alpha1

// AuthMethodPrivateKeyJWT is the tokenEndpointAuthMethod of a client that
// authenticates with a JWT signed by its own private key (RFC 7523): the
// operator generates the key pair in the cluster, registers only the
// public key, and delivers the private key in the Secret.
const AuthMethodPrivateKeyJWT = "private_key_jwt"

// ClientKeyAlgorithm is the JWS algorithm a client's key signs with.
// +kubebuilder:validation:Enum=ES256;RS256;EdDSA
type ClientKeyAlgorithm string

// Key algorithms.
const (
	// KeyES256 is ECDSA on P-256 with SHA-256: small keys, fast, and
	// accepted by nearly every server.
	KeyES256 ClientKeyAlgorithm = "ES256"
	// KeyRS256 is RSASSA-PKCS1-v1_5 with SHA-256 on an RSA key of Size bits.
	KeyRS256 ClientKeyAlgorithm = "RS256"
	// KeyEdDSA is Ed25519 (RFC 8037), where the server accepts it.
	KeyEdDSA ClientKeyAlgorithm = "EdDSA"
)

// DefaultRSAKeySize is the RSA modulus size when keys.size is not set.
const DefaultRSAKeySize = 2048

// ClientKeys is the key pair of a private_key_jwt client.
// +kubebuilder:validation:XValidation:rule="!has(self.size) || (has(self.algorithm) && self.algorithm == 'RS256')",message="keys.size is only for algorithm RS256",fieldPath=".size"
type ClientKeys struct {
	// Algorithm of the key pair: ES256 (default), RS256 or EdDSA.
	// +optional
	// +kubebuilder:default=ES256
	Algorithm ClientKeyAlgorithm `json:"algorithm,omitempty"`

	// Size of an RS256 key in bits; default 2048.
	// +optional
	// +kubebuilder:validation:Enum=2048;3072;4096
	Size int32 `json:"size,omitempty"`
}
