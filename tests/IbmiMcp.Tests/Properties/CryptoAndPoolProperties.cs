using System.Security.Cryptography;
using System.Text;
using CsCheck;
using IbmiMcp.Auth;
using IbmiMcp.Auth.Sessions;
using IbmiMcp.Mapepire;
using IbmiMcp.Tests.Auth;
using IbmiMcp.Tests.Mapepire;

namespace IbmiMcp.Tests.Properties;

/// <summary>
/// Round trips that must hold for every size and content (the sign-on envelope, sealed session records), and a
/// model-based check of the connection pool under random interleavings of rent, return, broken connections, prune
/// and dispose: a connection is never handed out twice, the pool never exceeds its maximum, and nothing leaks.
/// </summary>
public sealed class CryptoAndPoolProperties : IDisposable
{
    private readonly TestKeys _files = new();
    private readonly KeyRing _ring;

    public CryptoAndPoolProperties()
    {
        var errors = new List<string>();
        _ring = KeyRing.Load(AuthHarness.KeyId, _files.PrivatePath, _files.PublicPath, null, errors)
            ?? throw new InvalidOperationException(string.Join("\n", errors));
    }

    public void Dispose()
    {
        _ring.Dispose();
        _files.Dispose();
    }

    private static readonly Gen<string> UserName = Gen.Char["ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789#$@_"].Array[1, 10].Select(c => new string(c));

    /// <summary>Passwords: any printable text, quotes, backslashes, JSON escapes, non-ASCII — 1 to 128 characters.</summary>
    private static readonly Gen<string> Password = Gen.OneOf(
        Gen.Char["abcXYZ019 !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"].Array[1, 128].Select(c => new string(c)),
        Gen.Char['\u00A0', '\uD7FF'].Array[1, 64].Select(c => new string(c)));

    [Fact]
    public void Every_envelope_opens_to_exactly_what_was_sealed()
    {
        Gen.Select(UserName, Password, Gen.Int[1, 86_400], Gen.Int[1, 10]).Sample((user, password, duration, poolMax) =>
        {
            var body = CredentialEnvelopeWriter.Write(TestKeys.Primary, AuthHarness.KeyId, user, Encoding.UTF8.GetBytes(password), "ibmi.example.com",
                new(Duration: duration, PoolStart: 1, PoolMax: poolMax, IssuedAt: DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
            Assert.True(CredentialEnvelope.TryOpen(body, _ring, out var request, out var rejection), rejection.Message);
            using (request)
            {
                Assert.Equal(user, request!.User);
                Assert.Equal(password, Encoding.UTF8.GetString(request.Password));
                Assert.Equal(("ibmi.example.com", duration, 1, poolMax), (request.Host, request.DurationSeconds, request.PoolStart, request.PoolMax));
            }
        }, iter: 300);   // RSA-OAEP per sample: ~1 ms
    }

    [Fact]
    public void A_flipped_byte_anywhere_in_an_envelope_never_opens_to_other_credentials()
    {
        var body = CredentialEnvelopeWriter.Write(TestKeys.Primary, AuthHarness.KeyId, "ALICE", "alice123"u8, "ibmi.example.com");
        Gen.Select(Gen.Int[0, body.Length - 1], Gen.Byte[1, 255]).Sample((index, flip) =>
        {
            var tampered = (byte[])body.Clone();
            tampered[index] ^= flip;
            if (CredentialEnvelope.TryOpen(tampered, _ring, out var request, out _))
            {
                // Only a change outside the authenticated fields (JSON whitespace, base64 padding) may still open — and then to the same credentials.
                using (request)
                    Assert.Equal(("ALICE", "alice123"), (request!.User, Encoding.UTF8.GetString(request.Password)));
            }
        }, iter: 300);
    }

    [Fact]
    public void Sealed_session_records_open_only_with_their_token_and_untouched()
    {
        var sealer = new SessionSealer(SessionKeyRing.FromKeys(RandomNumberGenerator.GetBytes(32)));
        Gen.Select(Gen.Byte.Array[0, 4096], Gen.Byte.Array[32], Gen.Byte.Array[32], Gen.Int[0, 1000]).Sample((plaintext, token, otherToken, position) =>
        {
            var sealedText = sealer.Seal(token, plaintext);
            Assert.Equal(UnsealResult.Opened, sealer.TryUnseal(sealedText, token, out var opened));
            Assert.Equal(plaintext, opened);

            if (!token.AsSpan().SequenceEqual(otherToken))
                Assert.NotEqual(UnsealResult.Opened, sealer.TryUnseal(sealedText, otherToken, out _));

            var chars = sealedText.ToCharArray();
            var i = position % chars.Length;
            chars[i] = chars[i] == 'A' ? 'B' : 'A';
            var result = sealer.TryUnseal(new string(chars), token, out var tampered);
            if (result == UnsealResult.Opened) Assert.Equal(plaintext, tampered);   // base64url's unused low bits of the last character
        }, iter: 1_000);
    }

    private enum Op { Rent, Return, ReturnBroken, Prune }

    [Fact]
    public async Task The_pool_never_hands_a_connection_out_twice_nor_exceeds_its_maximum()
    {
        await using var server = FakeMapepireServer.Responding(new FakeTable(1).Reply);
        var ops = Gen.Select(Gen.Enum<Op>(), Gen.Int[0, 7]).Array[1, 40];
        await ops.SampleAsync(async steps =>
        {
            var time = new ManualTimeProvider();
            const int Max = 3;
            var pool = await MapepirePool.OpenAsync(new MapepireEndpoint("127.0.0.1", server.Port, MapepireTlsPolicy.Plain),
                new MapepireCredentials("MCPUSER", "mcppass1"),
                new MapepirePoolOptions { PoolStart = 1, PoolMax = Max, IdleTimeout = TimeSpan.FromSeconds(10), TimeProvider = time });
            var rented = new List<MapepireConnection>();
            try
            {
                foreach (var (op, k) in steps)
                {
                    switch (op)
                    {
                        case Op.Rent when rented.Count < Max:
                            var connection = await pool.RentAsync(CancellationToken.None);
                            Assert.DoesNotContain(connection, rented);            // never handed out twice
                            Assert.False(connection.IsBroken);
                            rented.Add(connection);
                            break;
                        case Op.Rent:
                            // Full: a rent waits (here until its caller gives up) instead of opening a connection beyond the maximum.
                            using (var giveUp = new CancellationTokenSource(TimeSpan.FromMilliseconds(50)))
                                await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await pool.RentAsync(giveUp.Token));
                            Assert.Equal(0, pool.Statistics.Waiters);   // the abandoned wait left nothing behind
                            break;
                        case Op.Return or Op.ReturnBroken when rented.Count > 0:
                            var back = rented[k % rented.Count];
                            rented.Remove(back);
                            if (op == Op.ReturnBroken) back.Break(MapepireFailure.ConnectionLost, "property test");
                            pool.Return(back);
                            break;
                        case Op.Prune:
                            time.Advance(TimeSpan.FromSeconds(6));   // idle connections age; two prunes close them
                            break;
                    }
                    var stats = pool.Statistics;
                    Assert.True(stats.Total <= Max, $"total {stats.Total} > max {Max}");
                    Assert.Equal(rented.Count, stats.Busy);
                }
            }
            finally
            {
                foreach (var connection in rented) pool.Return(connection);
                await pool.DisposeAsync();
            }
        }, iter: 60, threads: 1);
        for (var i = 0; i < 200 && server.OpenSessions > 0; i++) await Task.Delay(10);
        Assert.Equal(0, server.OpenSessions);   // every connection of every pool was closed
    }
}
