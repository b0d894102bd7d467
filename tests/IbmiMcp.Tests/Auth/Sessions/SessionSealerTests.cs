using System.Security.Cryptography;
using System.Text;
using IbmiMcp.Auth.Sessions;

namespace IbmiMcp.Tests.Auth.Sessions;

public sealed class SessionSealerTests
{
    private static readonly byte[] s_old = RandomNumberGenerator.GetBytes(32);
    private static readonly byte[] s_new = RandomNumberGenerator.GetBytes(32);
    private static readonly byte[] s_token = RandomNumberGenerator.GetBytes(32);
    private static readonly byte[] s_plain = Encoding.UTF8.GetBytes("""{"u":"ALICE","pw":"c2VjcmV0"}""");

    private static SessionSealer Sealer(params byte[][] keys) => new(SessionKeyRing.FromKeys(keys));

    private static byte[] Open(SessionSealer sealer, string sealedText, byte[] token)
    {
        Assert.Equal(UnsealResult.Opened, sealer.TryUnseal(sealedText, token, out var plain));
        return plain!;
    }

    [Fact]
    public void A_sealed_record_opens_with_the_same_token_and_key_and_shows_only_version_and_key_id()
    {
        var sealer = Sealer(s_new);
        var sealedText = sealer.Seal(s_token, s_plain);
        Assert.StartsWith("v1." + SessionKeyRing.IdOf(s_new) + ".", sealedText);
        Assert.DoesNotContain("ALICE", sealedText);
        Assert.Equal(s_plain, Open(sealer, sealedText, s_token));
    }

    [Fact]
    public void Sealing_twice_gives_different_ciphertexts()
        => Assert.NotEqual(Sealer(s_new).Seal(s_token, s_plain), Sealer(s_new).Seal(s_token, s_plain));

    [Fact]
    public void Another_token_cannot_open_the_record()
    {
        var sealer = Sealer(s_new);
        var sealedText = sealer.Seal(s_token, s_plain);
        var other = (byte[])s_token.Clone();
        other[31] ^= 1;
        Assert.Equal(UnsealResult.Tampered, sealer.TryUnseal(sealedText, other, out var plain));
        Assert.Null(plain);
    }

    [Fact]
    public void The_token_alone_cannot_open_the_record_without_the_server_key()
    {
        var sealedText = Sealer(s_new).Seal(s_token, s_plain);
        // A server with another key under the same id is what a thief with only the token has at best.
        var impostor = Sealer(RandomNumberGenerator.GetBytes(32));
        Assert.NotEqual(UnsealResult.Opened, impostor.TryUnseal(sealedText, s_token, out _));
    }

    [Fact]
    public void Every_flipped_byte_of_the_sealed_blob_is_detected()
    {
        var sealer = Sealer(s_new);
        var sealedText = sealer.Seal(s_token, s_plain);
        int blobStart = sealedText.LastIndexOf('.') + 1;
        for (int i = blobStart; i < sealedText.Length; i++)
        {
            var chars = sealedText.ToCharArray();
            chars[i] = chars[i] == 'A' ? 'B' : 'A';
            var result = sealer.TryUnseal(new string(chars), s_token, out _);
            Assert.True(result is UnsealResult.Tampered or UnsealResult.Malformed, $"byte {i}: {result}");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(30)]
    public void A_truncated_record_is_refused(int cut)
    {
        var sealer = Sealer(s_new);
        var sealedText = sealer.Seal(s_token, s_plain);
        var result = sealer.TryUnseal(sealedText[..^cut], s_token, out _);
        Assert.True(result is UnsealResult.Tampered or UnsealResult.Malformed, result.ToString());
    }

    [Fact]
    public void A_retired_key_still_opens_records_it_sealed()
    {
        var before = Sealer(s_old).Seal(s_token, s_plain);
        var afterRotation = Sealer(s_new, s_old);
        Assert.Equal(SessionKeyRing.IdOf(s_new), afterRotation.ActiveKeyId);
        Assert.Equal(s_plain, Open(afterRotation, before, s_token));
        Assert.StartsWith("v1." + SessionKeyRing.IdOf(s_new), afterRotation.Seal(s_token, s_plain));
    }

    [Fact]
    public void A_record_sealed_under_a_key_the_server_no_longer_has_is_unknown()
    {
        var before = Sealer(s_old).Seal(s_token, s_plain);
        Assert.Equal(UnsealResult.UnknownKey, Sealer(s_new).TryUnseal(before, s_token, out _));
    }

    [Fact]
    public void The_header_is_authenticated_so_a_record_cannot_be_pointed_at_another_key()
    {
        var ring = Sealer(s_new, s_old);
        var sealedText = ring.Seal(s_token, s_plain);
        var moved = sealedText.Replace(SessionKeyRing.IdOf(s_new), SessionKeyRing.IdOf(s_old));
        Assert.Equal(UnsealResult.Tampered, ring.TryUnseal(moved, s_token, out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("v1")]
    [InlineData("v1.")]
    [InlineData("v2.abcdef01.AAAA")]
    [InlineData("v1.abcdef01.***")]
    public void Text_that_is_not_a_sealed_record_is_malformed_or_unknown(string text)
    {
        var result = Sealer(s_new).TryUnseal(text, s_token, out var plain);
        Assert.NotEqual(UnsealResult.Opened, result);
        Assert.Null(plain);
    }
}
