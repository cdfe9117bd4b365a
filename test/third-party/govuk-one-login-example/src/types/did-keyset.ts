export default interface DIDKeySet {
  id: string;
  publicKeyJwk: JsonWebKey;
}