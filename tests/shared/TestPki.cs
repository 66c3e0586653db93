using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CniNet.Tests;

/// <summary>
/// PEM files for TLS tests, made in process: a CA, a server certificate for 127.0.0.1 and a client certificate it signs,
/// and a second CA with a client certificate of its own (one the server must refuse). Deleted on dispose.
/// </summary>
public sealed class TestPki : IDisposable
{
    public TestPki()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("cninet-pki-").FullName;
        using var ca = Authority("CniNet test CA", out var caKey);
        using var rogue = Authority("Someone else's CA", out var rogueKey);
        Write("ca.pem", ca.ExportCertificatePem());
        Write("rogue-ca.pem", rogue.ExportCertificatePem());
        Leaf("server", "127.0.0.1", ca, caKey, server: true);
        Leaf("client", "cninet-client", ca, caKey, server: false);
        Leaf("rogue-client", "cninet-client", rogue, rogueKey, server: false);
        caKey.Dispose();
        rogueKey.Dispose();
    }

    public string Directory { get; }

    public string CaFile => File("ca.pem");

    public string RogueCaFile => File("rogue-ca.pem");

    public string ServerCertFile => File("server.pem");

    public string ServerKeyFile => File("server-key.pem");

    public string ClientCertFile => File("client.pem");

    public string ClientKeyFile => File("client-key.pem");

    public string RogueClientCertFile => File("rogue-client.pem");

    public string RogueClientKeyFile => File("rogue-client-key.pem");

    public string File(string name) => Path.Combine(Directory, name);

    private static X509Certificate2 Authority(string name, out ECDsa key)
    {
        key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }

    private void Leaf(string name, string subject, X509Certificate2 issuer, ECDsa issuerKey, bool server)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={subject}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        // etcd's own gateway connects to its gRPC port presenting the server certificate, so that one needs client
        // authentication too (without it every gateway request fails with "connection closed").
        var clientAuth = new Oid("1.3.6.1.5.5.7.3.2");
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            server ? [new Oid("1.3.6.1.5.5.7.3.1"), clientAuth] : [clientAuth], false));
        if (server)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            names.AddDnsName("localhost");
            request.CertificateExtensions.Add(names.Build());
        }
        var signer = X509SignatureGenerator.CreateForECDsa(issuerKey);
        using var certificate = request.Create(issuer.SubjectName, signer, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1),
            RandomNumberGenerator.GetBytes(12));
        Write($"{name}.pem", certificate.ExportCertificatePem());
        Write($"{name}-key.pem", key.ExportPkcs8PrivateKeyPem());
    }

    private void Write(string name, string pem) => System.IO.File.WriteAllText(File(name), pem);

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
