using System.Text.Json;
using System.Text.RegularExpressions;

namespace IbmiMcp.Tests.Observability;

/// <summary>
/// Asserts that captured output (diagnostic log, audit log, HTTP bodies, process stderr) contains none of the
/// secrets a test used. Usage from any test:
/// <code>new SecretScanner().AddDemoPasswords().AddSecret(token).AddPrivateKeyPem(pem).AssertClean(server.Stderr, "server stderr");</code>
/// Secrets match case-insensitively (IBM i may upper-case a password) and in their JSON-escaped form; a PEM key
/// matches by any 24-character run of its base64 body, and any "PRIVATE KEY" PEM header is always a finding.
/// Failure messages mask the secret so the test output does not become the leak.
/// </summary>
public sealed partial class SecretScanner
{
    private const int PemFragmentLength = 24;
    private const int MinSecretLength = 6;   // shorter strings match ordinary words and numbers

    private readonly List<(string Name, string Value)> _needles = [];

    /// <summary>The emulator's demo passwords (team brief).</summary>
    public static readonly string[] DemoPasswords = ["mcppass1", "alice123", "bob12345"];

    public SecretScanner AddDemoPasswords()
    {
        foreach (var p in DemoPasswords) AddSecret(p, "demo password");
        return this;
    }

    public SecretScanner AddSecret(string secret, string kind = "secret")
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        if (secret.Length < MinSecretLength)
            throw new ArgumentException($"A secret shorter than {MinSecretLength} characters cannot be scanned for reliably.", nameof(secret));
        _needles.Add((kind, secret));
        var escaped = JsonEncodedText.Encode(secret).ToString();
        if (escaped != secret)
            _needles.Add((kind + " (JSON-escaped)", escaped));
        return this;
    }

    /// <summary>Adds every fragment of a PEM private key body (header lines excluded).</summary>
    public SecretScanner AddPrivateKeyPem(string pem)
    {
        var body = string.Concat(pem.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith("-----", StringComparison.Ordinal)));
        for (var i = 0; i + PemFragmentLength <= body.Length; i += PemFragmentLength)
            _needles.Add(("private key fragment", body.Substring(i, PemFragmentLength)));
        return this;
    }

    public IReadOnlyList<string> Scan(string text)
    {
        var findings = new List<string>();
        foreach (Match m in PrivateKeyHeader().Matches(text))
            findings.Add($"PEM private key header at offset {m.Index}");
        foreach (var (kind, value) in _needles)
        {
            var at = text.IndexOf(value, StringComparison.OrdinalIgnoreCase);
            if (at >= 0)
                findings.Add($"{kind} {Mask(value)} at offset {at}");
        }
        return findings;
    }

    public void AssertClean(string text, string where)
    {
        var findings = Scan(text);
        Assert.True(findings.Count == 0, $"Secrets found in {where}:\n  " + string.Join("\n  ", findings));
    }

    public void AssertClean(IEnumerable<(string Where, string Text)> captures)
    {
        var findings = captures.SelectMany(c => Scan(c.Text).Select(f => $"{c.Where}: {f}")).ToList();
        Assert.True(findings.Count == 0, "Secrets found:\n  " + string.Join("\n  ", findings));
    }

    /// <summary>Every regular file under <paramref name="directory"/> (logs, audit files), read as text.</summary>
    public void AssertCleanFiles(string directory) =>
        AssertClean(Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Select(f => (f, File.ReadAllText(f))));

    private static string Mask(string s) => $"\"{s[..2]}…\" ({s.Length} chars)";

    [GeneratedRegex(@"-----BEGIN [A-Z ]*PRIVATE KEY-----")]
    private static partial Regex PrivateKeyHeader();
}
