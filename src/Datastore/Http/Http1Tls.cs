using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace CniNet.Datastore.Http;

/// <summary>
/// TLS for https endpoints: the CA that signs the server (the system's roots when none is given) and the client
/// certificate the server may demand (etcd's <c>--client-cert-auth</c>, a kubeconfig's user). A kubeconfig may also
/// switch server verification off (<c>insecure-skip-tls-verify</c>).
/// </summary>
public sealed class Http1Tls(X509Certificate2Collection? trustedCa, X509Certificate2? clientCertificate, bool insecureSkipVerify = false)
{
    /// <summary>The system's trusted roots and no client certificate.</summary>
    public static readonly Http1Tls SystemRoots = new(null, null);

    /// <summary>PEM files as calicoctl and the CNI plugin name them (<c>etcd_ca_cert_file</c>, <c>etcd_cert_file</c>, <c>etcd_key_file</c>).</summary>
    public static Http1Tls FromPemFiles(string? caFile, string? certFile, string? keyFile)
    {
        X509Certificate2Collection? ca = null;
        if (!string.IsNullOrEmpty(caFile))
        {
            ca = [];
            ca.ImportFromPemFile(caFile);
            if (ca.Count == 0) throw new IOException($"{caFile} holds no PEM certificate");
        }
        X509Certificate2? client = null;
        if (!string.IsNullOrEmpty(certFile) || !string.IsNullOrEmpty(keyFile))
        {
            if (string.IsNullOrEmpty(certFile) || string.IsNullOrEmpty(keyFile))
                throw new IOException("a client certificate needs both the certificate file and the key file");
            client = X509Certificate2.CreateFromPemFile(certFile, keyFile);
        }
        return new Http1Tls(ca, client);
    }

    public SslClientAuthenticationOptions Options(string host) => new()
    {
        TargetHost = host,
        ClientCertificates = clientCertificate is null ? null : [clientCertificate],
        RemoteCertificateValidationCallback = insecureSkipVerify ? AnyCertificate : trustedCa is null ? null : TrustedByCa,
    };

    private static bool AnyCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors) => true;

    /// <summary>The server's chain must end at the given CA, and its name must match the endpoint's host.</summary>
    private bool TrustedByCa(object sender, X509Certificate? certificate, X509Chain? _, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNotAvailable | SslPolicyErrors.RemoteCertificateNameMismatch)) != 0)
            return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trustedCa!);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate as X509Certificate2 ?? new X509Certificate2(certificate));
    }
}
