using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using IbmiMcp.Auth;

namespace IbmiMcp.Bench.Auth;

/// <summary>
/// POST /api/v1/auth's CPU work: parse the envelope, RSA-2048 OAEP-SHA256 unwrap, AES-256-GCM decrypt, parse the
/// credentials (<see cref="CredentialEnvelope.TryOpen"/>), against the bare RSA private-key operation it cannot avoid.
/// Target: within 10% of the bare RSA op. Allocation budget: the SignOnRequest and its strings (~300 B).
/// </summary>
[MemoryDiagnoser]
public class EnvelopeDecryptBenchmark
{
    private string _dir = "";
    private RSA _rsa = null!;
    private KeyRing _ring = null!;
    private byte[] _body = [];
    private byte[] _wrapped = [];
    private readonly byte[] _destination = new byte[256];

    [GlobalSetup]
    public void Setup()
    {
        _dir = Directory.CreateTempSubdirectory("ibmi-bench-keys-").FullName;
        _rsa = RSA.Create(2048);
        var priv = Path.Combine(_dir, "private.pem");
        var pub = Path.Combine(_dir, "public.pem");
        File.WriteAllText(priv, _rsa.ExportPkcs8PrivateKeyPem());
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(priv, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(pub, _rsa.ExportSubjectPublicKeyInfoPem());
        var errors = new List<string>();
        _ring = KeyRing.Load("bench", priv, pub, null, errors) ?? throw new InvalidOperationException(string.Join("; ", errors));
        _body = CredentialEnvelopeWriter.Write(_rsa, "bench", "MCPUSER", Encoding.UTF8.GetBytes("mcppass1"), "ibmi.example.com",
            new CredentialEnvelopeWriter.Options(7200, 2, 5));
        _wrapped = _rsa.Encrypt(new byte[32], RSAEncryptionPadding.OaepSHA256);
        _ring.TryGetPrivateKey("bench", out var key);
        _rsa = key!;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ring.Dispose();
        Directory.Delete(_dir, true);
    }

    [Benchmark(Baseline = true)]
    public int BareRsa2048PrivateOp()
    {
        _rsa.TryDecrypt(_wrapped, _destination, RSAEncryptionPadding.OaepSHA256, out int written);
        return written;
    }

    [Benchmark]
    public int EnvelopeOpen()
    {
        if (!CredentialEnvelope.TryOpen(_body, _ring, out var request, out _)) throw new InvalidOperationException();
        int n = request!.PoolMax;
        request.Dispose();
        return n;
    }
}
