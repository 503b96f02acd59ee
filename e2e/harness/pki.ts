/**
 * The control plane's certificates and keys, made with the openssl command line (Node can make keys but not
 * X.509 certificates): one CA; the API server's serving certificate for 127.0.0.1; client certificates for
 * the admin, the controller manager, the scheduler and KWOK; the ServiceAccount token signing key.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export interface Pki {
  readonly dir: string;
  readonly caCert: string;
  readonly caKey: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly serviceAccountKey: string;
  readonly serviceAccountPub: string;
  readonly clients: Readonly<Record<ClientName, { readonly cert: string; readonly key: string }>>;
}

export type ClientName = "admin" | "controller-manager" | "scheduler" | "kwok";

/** Subject of each client certificate: the user name and groups the API server authenticates. */
const CLIENTS: Readonly<Record<ClientName, string>> = {
  admin: "/CN=rotor-e2e-admin/O=system:masters",
  "controller-manager": "/CN=system:kube-controller-manager",
  scheduler: "/CN=system:kube-scheduler",
  kwok: "/CN=kwok-controller/O=system:masters",
};

function openssl(args: readonly string[], cwd: string): void {
  try {
    execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === "ENOENT") {
      throw new Error(
        "openssl is not on PATH: the e2e control plane makes its certificates with it. Install it (apt-get install openssl) and run again.",
        { cause: error },
      );
    }
    throw new Error(`openssl ${args.join(" ")} failed: ${e.stderr?.toString().trim() ?? e.message}`, {
      cause: error,
    });
  }
}

function config(dir: string, name: string, extensions: readonly string[]): string {
  const file = join(dir, `${name}.cnf`);
  writeFileSync(file, ["[req]", "distinguished_name = dn", "[dn]", "[ext]", ...extensions, ""].join("\n"));
  return file;
}

/** Makes every certificate and key in `dir` (which must exist). Takes well under a second. */
export function makePki(dir: string): Pki {
  const key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  const ca = config(dir, "ca", [
    "basicConstraints = critical,CA:TRUE",
    "keyUsage = critical,keyCertSign,cRLSign,digitalSignature",
    "subjectKeyIdentifier = hash",
  ]);
  openssl(
    ["req", "-x509", ...key, "-keyout", "ca.key", "-out", "ca.crt", "-days", "3650"].concat([
      "-subj",
      "/CN=rotor-e2e-ca",
      "-config",
      ca,
      "-extensions",
      "ext",
    ]),
    dir,
  );
  const leaf = (name: string, subject: string, extensions: readonly string[]) => {
    const cnf = config(dir, name, [
      "basicConstraints = critical,CA:FALSE",
      "keyUsage = critical,digitalSignature,keyEncipherment",
      "authorityKeyIdentifier = keyid",
      ...extensions,
    ]);
    openssl(
      ["req", "-x509", ...key, "-keyout", `${name}.key`, "-out", `${name}.crt`, "-days", "3650"].concat([
        "-subj",
        subject,
        "-config",
        cnf,
        "-extensions",
        "ext",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
      ]),
      dir,
    );
    return { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  };
  const server = leaf("apiserver", "/CN=kube-apiserver", [
    "extendedKeyUsage = serverAuth",
    "subjectAltName = IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:10.96.0.1",
  ]);
  const clients = Object.fromEntries(
    (Object.keys(CLIENTS) as ClientName[]).map((name) => [
      name,
      leaf(`client-${name}`, CLIENTS[name], ["extendedKeyUsage = clientAuth"]),
    ]),
  ) as Record<ClientName, { cert: string; key: string }>;
  // RSA for the token signing key: every API server version accepts RS256.
  openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "sa.key"], dir);
  openssl(["pkey", "-in", "sa.key", "-pubout", "-out", "sa.pub"], dir);
  return {
    dir,
    caCert: join(dir, "ca.crt"),
    caKey: join(dir, "ca.key"),
    serverCert: server.cert,
    serverKey: server.key,
    serviceAccountKey: join(dir, "sa.key"),
    serviceAccountPub: join(dir, "sa.pub"),
    clients,
  };
}
