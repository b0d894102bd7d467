using System.Security.Cryptography;

namespace IbmiMcp.Tests.Observability;

public sealed class SecretScannerTests
{
    [Fact]
    public void Finds_a_password_in_any_case_and_masks_it_in_the_report()
    {
        var findings = new SecretScanner().AddDemoPasswords().Scan("info  Auth: sign-on for ALICE with ALICE123 failed");
        var finding = Assert.Single(findings);
        Assert.Contains("\"al…\" (8 chars)", finding);
        Assert.DoesNotContain("alice123", finding, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Finds_a_secret_in_its_json_escaped_form()
    {
        const string secret = "p<a>ss+wörd";
        var json = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { ["x"] = secret });
        Assert.DoesNotContain(secret, json);   // the default encoder escapes <, >, + and non-ASCII
        Assert.NotEmpty(new SecretScanner().AddSecret(secret).Scan(json));
    }

    [Fact]
    public void Finds_any_fragment_of_a_private_key_and_any_private_key_header()
    {
        using var rsa = RSA.Create(2048);
        var pem = rsa.ExportPkcs8PrivateKeyPem();
        var scanner = new SecretScanner().AddPrivateKeyPem(pem);
        var body = pem.Split('\n')[5];
        Assert.NotEmpty(scanner.Scan("debug dump: " + body));
        Assert.NotEmpty(new SecretScanner().Scan("-----BEGIN RSA PRIVATE KEY-----"));
        Assert.Empty(scanner.Scan(rsa.ExportSubjectPublicKeyInfoPem()));   // the public key is not a secret
    }

    [Fact]
    public void Clean_text_passes_and_too_short_secrets_are_refused()
    {
        new SecretScanner().AddDemoPasswords().AddSecret("tok_0123456789abcdef").AssertClean("info  Auth: ALICE signed on (session s-1)", "log");
        Assert.Throws<ArgumentException>(() => new SecretScanner().AddSecret("abc"));
    }
}
