using IbmiMcp.Auth;
using IbmiMcp.Cli;
using IbmiMcp.Tests.Auth;

namespace IbmiMcp.Tests.Cli;

public sealed class KeygenCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("ibmi-keygen-").FullName;

    public void Dispose() => Directory.Delete(_root, true);

    private (int Exit, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        return (KeygenCommand.Run(args, o, e), o.ToString(), e.ToString());
    }

    [Fact]
    public void Writes_a_key_pair_the_server_accepts_with_the_promised_modes()
    {
        var dir = Path.Combine(_root, "secrets");
        var (exit, output, err) = Run("--dir", dir, "--key-id", "k-2026", "--bits", "2048");
        Assert.Equal(0, exit);
        Assert.Equal("", err);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dir));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, "private.pem")));
        Assert.Equal((UnixFileMode)0b110_100_100, File.GetUnixFileMode(Path.Combine(dir, "public.pem")));
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(Path.Combine(dir, "private.pem")));
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", File.ReadAllText(Path.Combine(dir, "public.pem")));
        Assert.Contains("IBMI_AUTH_KEY_ID=k-2026", output);
        Assert.Contains($"IBMI_AUTH_PRIVATE_KEY_PATH={Path.Combine(dir, "private.pem")}", output);
        Assert.Contains("IBMI_HTTP_AUTH_ENABLED=true", output);

        var errors = new List<string>();
        using var ring = KeyRing.Load("k-2026", Path.Combine(dir, "private.pem"), Path.Combine(dir, "public.pem"), null, errors);
        Assert.Empty(errors);
    }

    [Fact]
    public void Refuses_to_overwrite_without_force()
    {
        var dir = Path.Combine(_root, "s");
        Assert.Equal(0, Run("--dir", dir, "--bits", "2048").Exit);
        var first = File.ReadAllText(Path.Combine(dir, "private.pem"));
        var (exit, _, err) = Run("--dir", dir, "--bits", "2048");
        Assert.Equal(1, exit);
        Assert.Contains("IBMI_AUTH_RETIRED_KEYS_DIR", err);
        Assert.Equal(first, File.ReadAllText(Path.Combine(dir, "private.pem")));
        Assert.Equal(0, Run("--dir", dir, "--bits", "2048", "--force").Exit);
        Assert.NotEqual(first, File.ReadAllText(Path.Combine(dir, "private.pem")));
    }

    [Theory]
    [InlineData("--bits", "1024")]
    [InlineData("--bits", "x")]
    [InlineData("--key-id", "a b")]
    [InlineData("--nope", "1")]
    public void Bad_arguments_exit_1(string flag, string value)
        => Assert.Equal(1, Run("--dir", Path.Combine(_root, "bad"), flag, value).Exit);
}
