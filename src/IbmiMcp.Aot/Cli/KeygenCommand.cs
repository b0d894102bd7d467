using System.Globalization;

namespace IbmiMcp.Cli;

/// <summary>
/// <c>ibmi-mcp keygen [--dir secrets] [--key-id ID] [--bits 2048|3072|4096] [--force]</c>: writes the RSA key pair
/// the IBM i HTTP auth endpoints need — private.pem (PKCS#8, 0600) and public.pem (SPKI, 0644) in a 0700 directory —
/// and prints the .env lines that point at them. <c>ibmi-mcp keygen --session-key FILE [--force]</c> writes instead the
/// 32-byte server session key that seals sessions in a shared store (base64 text, 0600).
/// </summary>
internal static class KeygenCommand
{
    private static readonly CliOptionSet Flags = new(
    [
        new("dir", "DIR", "where private.pem (0600) and public.pem (0644) are written (default secrets; made 0700)"),
        new("key-id", "ID", "the key id clients send (IBMI_AUTH_KEY_ID; default ibmi-mcp-<date>-<time>)"),
        new("bits", "2048|3072|4096", "RSA key size (default 3072)"),
        new("session-key", "FILE", "write instead the 32-byte session key (0600) for IBMI_AUTH_SESSION_STORE=redis"),
        new("force", null, "overwrite existing files"),
        new("help", null, "this text"),
    ]);

    private static readonly string Usage = new CliHelp
    {
        Usage = ["ibmi-mcp keygen [--dir secrets] [--key-id ID] [--bits 2048|3072|4096] [--force]", "ibmi-mcp keygen --session-key FILE [--force]"],
        Summary = "Writes the RSA key pair for IBMI_HTTP_AUTH_ENABLED=true, or the session key that seals shared sessions.",
    }.WithOptions("options", Flags.Options).Render();

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        CliArguments a;
        try
        {
            a = CliArguments.Parse(args, Flags).NoMorePositionals();
        }
        catch (CliException ex)
        {
            stderr.WriteLine($"keygen: {ex.Message} (try --help).");
            return ExitCodes.KeygenUsage;
        }
        if (a.Flag("help"))
        {
            stdout.Write(Usage);
            return ExitCodes.Success;
        }
        var dir = a.Value("dir") ?? "secrets";
        var keyId = a.Value("key-id");
        var sessionKey = a.Value("session-key");
        var force = a.Flag("force");
        var bits = 3072;
        if (a.Value("bits") is { } v && (!int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out bits) || bits is not (2048 or 3072 or 4096)))
        {
            stderr.WriteLine($"keygen: --bits must be 2048, 3072 or 4096 (got '{v}').");
            return ExitCodes.KeygenUsage;
        }
        if (sessionKey is not null)
            return WriteSessionKey(sessionKey, force, stdout, stderr);
        if (string.IsNullOrWhiteSpace(dir))
        {
            stderr.WriteLine("keygen: --dir needs a directory.");
            return ExitCodes.General;
        }
        keyId ??= "ibmi-mcp-" + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        if (keyId.Length == 0 || keyId.AsSpan().IndexOfAny(" \t\r\n\"'=/\\") >= 0)
        {
            stderr.WriteLine("keygen: --key-id must be non-empty, without spaces, quotes, '=' or slashes (it also names rotated key files).");
            return ExitCodes.General;
        }

        var privatePath = Path.Combine(dir, "private.pem");
        var publicPath = Path.Combine(dir, "public.pem");
        if (!force && (File.Exists(privatePath) || File.Exists(publicPath)))
        {
            stderr.WriteLine($"keygen: {privatePath} or {publicPath} already exists. To rotate, move the old private key to your " +
                "IBMI_AUTH_RETIRED_KEYS_DIR as <old key id>.pem first (clients using the old key id keep working), or pass --force to overwrite.");
            return ExitCodes.General;
        }

        try
        {
            if (Auth.KeyFiles.WriteKeyPair(dir, bits, privatePath, publicPath))
                stderr.WriteLine($"keygen: tightened {dir} to mode 0700.");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"keygen: {ex.Message}");
            return ExitCodes.General;
        }

        stdout.WriteLine($"# Wrote {privatePath} (RSA-{bits}, PKCS#8, mode 0600) and {publicPath} (mode 0644).");
        stdout.WriteLine("# Add these lines to the server's .env:");
        stdout.WriteLine("IBMI_HTTP_AUTH_ENABLED=true");
        stdout.WriteLine($"IBMI_AUTH_KEY_ID={keyId}");
        stdout.WriteLine($"IBMI_AUTH_PRIVATE_KEY_PATH={privatePath}");
        stdout.WriteLine($"IBMI_AUTH_PUBLIC_KEY_PATH={publicPath}");
        return ExitCodes.Success;
    }

    private static int WriteSessionKey(string path, bool force, TextWriter stdout, TextWriter stderr)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            stderr.WriteLine("keygen: --session-key needs a file name.");
            return ExitCodes.General;
        }
        if (!force && File.Exists(path))
        {
            stderr.WriteLine($"keygen: {path} already exists. To rotate, move it into IBMI_AUTH_RETIRED_SESSION_KEYS_DIR first (sessions sealed " +
                "under it keep working), or pass --force to overwrite (every shared session sealed under it is lost).");
            return ExitCodes.General;
        }
        try
        {
            var keyId = Auth.KeyFiles.WriteSessionKey(path);
            stdout.WriteLine($"# Wrote {path} (32 random bytes, base64, mode 0600; key id {keyId}).");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"keygen: {ex.Message}");
            return ExitCodes.General;
        }
        stdout.WriteLine("# Give every replica the same file, and add these lines to the server's .env:");
        stdout.WriteLine("IBMI_AUTH_SESSION_STORE=redis");
        stdout.WriteLine("IBMI_AUTH_REDIS=127.0.0.1:6379");
        stdout.WriteLine($"IBMI_AUTH_SESSION_KEY_PATH={path}");
        return ExitCodes.Success;
    }
}
