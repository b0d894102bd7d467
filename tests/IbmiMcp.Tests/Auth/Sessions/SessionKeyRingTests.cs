using System.Security.Cryptography;
using IbmiMcp.Auth.Sessions;

namespace IbmiMcp.Tests.Auth.Sessions;

public sealed class SessionKeyRingTests : IDisposable
{
    private readonly string _dir = BlackBox.ServerProcess.CreateEmptyDirectory();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, byte[] content, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, content);
        File.SetUnixFileMode(path, mode);
        return path;
    }

    [Fact]
    public void Raw_base64_and_hex_key_files_give_the_same_key()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var ids = new[]
        {
            Write("raw", key), Write("b64", System.Text.Encoding.ASCII.GetBytes(Convert.ToBase64String(key) + "\n")),
            Write("hex", System.Text.Encoding.ASCII.GetBytes(Convert.ToHexString(key) + "\r\n")),
        }.Select(path =>
        {
            var errors = new List<string>();
            using var ring = SessionKeyRing.Load(path, null, errors);
            Assert.Empty(errors);
            Assert.Equal(key, ring!.ActiveKey.ToArray());
            return ring.ActiveKeyId;
        }).Distinct().ToList();
        Assert.Equal([SessionKeyRing.IdOf(key)], ids);
    }

    [Fact]
    public void A_group_readable_key_file_stops_the_start_with_the_chmod_to_run()
    {
        var path = Write("key", RandomNumberGenerator.GetBytes(32), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        var errors = new List<string>();
        Assert.Null(SessionKeyRing.Load(path, null, errors));
        Assert.Contains(errors, e => e.StartsWith("IBMI_AUTH_SESSION_KEY_PATH:") && e.Contains("chmod 600"));
    }

    [Theory]
    [InlineData(16)]
    [InlineData(31)]
    [InlineData(33)]
    public void A_file_that_is_not_32_bytes_of_key_is_refused_not_stretched(int length)
    {
        var path = Write("key", RandomNumberGenerator.GetBytes(length));
        var errors = new List<string>();
        Assert.Null(SessionKeyRing.Load(path, null, errors));
        Assert.Contains(errors, e => e.Contains("must hold exactly 32 random bytes"));
    }

    [Fact]
    public void Retired_keys_open_old_records_and_the_active_key_may_not_be_among_them()
    {
        var active = RandomNumberGenerator.GetBytes(32);
        var old = RandomNumberGenerator.GetBytes(32);
        var activePath = Write("active", active);
        var retired = Path.Combine(_dir, "retired");
        Directory.CreateDirectory(retired);
        File.WriteAllBytes(Path.Combine(retired, "2026-01.key"), old);
        File.SetUnixFileMode(Path.Combine(retired, "2026-01.key"), UnixFileMode.UserRead);
        var errors = new List<string>();
        using (var ring = SessionKeyRing.Load(activePath, retired, errors))
        {
            Assert.Empty(errors);
            Assert.True(ring!.TryGetKey(SessionKeyRing.IdOf(old), out _));
            Assert.Equal(SessionKeyRing.IdOf(active), ring.ActiveKeyId);
        }
        File.WriteAllBytes(Path.Combine(retired, "same.key"), active);
        File.SetUnixFileMode(Path.Combine(retired, "same.key"), UnixFileMode.UserRead);
        Assert.Null(SessionKeyRing.Load(activePath, retired, errors));
        Assert.Contains(errors, e => e.StartsWith("IBMI_AUTH_RETIRED_SESSION_KEYS_DIR:") && e.Contains("active"));
    }

    [Fact]
    public void A_missing_key_path_names_the_setting_and_the_command_that_makes_one()
    {
        var errors = new List<string>();
        Assert.Null(SessionKeyRing.Load(null, null, errors));
        Assert.Contains("ibmi-mcp keygen --session-key", Assert.Single(errors));
    }
}
