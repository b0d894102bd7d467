using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using IbmiMcp.Auth;

namespace IbmiMcp.Tests.Auth;

public sealed class CredentialEnvelopeTests : IDisposable
{
    private readonly TestKeys _files = new();
    private readonly KeyRing _ring;

    public CredentialEnvelopeTests()
    {
        var errors = new List<string>();
        _ring = KeyRing.Load(AuthHarness.KeyId, _files.PrivatePath, _files.PublicPath, _files.AddRetired("old-key"), errors)
            ?? throw new InvalidOperationException(string.Join("\n", errors));
    }

    public void Dispose()
    {
        _ring.Dispose();
        _files.Dispose();
    }

    private AuthRejection Reject(byte[] body)
    {
        Assert.False(CredentialEnvelope.TryOpen(body, _ring, out var request, out var rejection));
        Assert.Null(request);
        return rejection;
    }

    private SignOnRequest Open(byte[] body)
    {
        Assert.True(CredentialEnvelope.TryOpen(body, _ring, out var request, out var rejection), rejection.Message);
        return request!;
    }

    private byte[] Sealed(string plaintextJson, int iv = 12, int tag = 16)
        => CredentialEnvelopeWriter.Seal(TestKeys.Primary, AuthHarness.KeyId, Encoding.UTF8.GetBytes(plaintextJson), iv, tag);

    private static byte[] Mutate(byte[] body, Action<JsonObject> change)
    {
        var node = JsonNode.Parse(body)!.AsObject();
        change(node);
        return Encoding.UTF8.GetBytes(node.ToJsonString());
    }

    private static byte[] FlipBit(byte[] body, string field, int index = 0)
        => Mutate(body, o =>
        {
            var bytes = Convert.FromBase64String((string)o[field]!);
            bytes[index % bytes.Length] ^= 0x01;
            o[field] = Convert.ToBase64String(bytes);
        });

    [Fact]
    public void Round_trip_yields_credentials_and_pool_shape()
    {
        using var request = Open(AuthHarness.Envelope("alice", "pa\"ss\\wörd", options: new(Duration: 120, PoolStart: 3, PoolMax: 7)));
        Assert.Equal("alice", request.User);
        Assert.Equal("pa\"ss\\wörd", Encoding.UTF8.GetString(request.Password));
        Assert.Equal(AuthHarness.Host, request.Host);
        Assert.Equal(120, request.DurationSeconds);
        Assert.Equal(3, request.PoolStart);
        Assert.Equal(7, request.PoolMax);
    }

    [Fact]
    public void Omitted_request_numbers_take_the_reference_defaults()
    {
        using var request = Open(AuthHarness.Envelope());
        Assert.Null(request.DurationSeconds);
        Assert.Equal(2, request.PoolStart);
        Assert.Equal(10, request.PoolMax);
    }

    [Fact]
    public void Dispose_zeroes_the_password()
    {
        var request = Open(AuthHarness.Envelope());
        request.Dispose();
        Assert.True(request.Password.IsEmpty);
    }

    [Fact]
    public void Empty_password_is_allowed_as_in_the_reference()
    {
        using var request = Open(AuthHarness.Envelope(password: ""));
        Assert.Equal(0, request.Password.Length);
    }

    [Fact]
    public void A_retired_key_still_decrypts_during_rotation()
    {
        using var request = Open(AuthHarness.Envelope(key: TestKeys.Secondary, keyId: "old-key"));
        Assert.Equal("ALICE", request.User);
    }

    [Fact]
    public void Url_safe_unpadded_and_escaped_base64_are_accepted()
    {
        var body = Mutate(AuthHarness.Envelope(), o =>
        {
            o["ciphertext"] = ((string)o["ciphertext"]!).Replace('+', '-').Replace('/', '_').TrimEnd('=');
            o["iv"] = " " + (string)o["iv"]! + " ";
        });
        using var request = Open(body);
        // A "\/" escape is legal JSON for '/'.
        var escaped = Encoding.UTF8.GetString(AuthHarness.Envelope()).Replace("/", "\\/");
        using var second = Open(Encoding.UTF8.GetBytes(escaped));
    }

    [Theory]
    [InlineData("", "Invalid JSON in request body")]
    [InlineData("{", "Invalid JSON in request body")]
    [InlineData("{\"keyId\":\"x\"} trailing", "Invalid JSON in request body")]
    [InlineData("[1,2", "Invalid JSON in request body")]
    [InlineData("[]", "Encrypted payload must be a JSON object")]
    [InlineData("\"text\"", "Encrypted payload must be a JSON object")]
    [InlineData("null", "Encrypted payload must be a JSON object")]
    public void Malformed_bodies_get_the_reference_messages(string body, string message)
    {
        var r = Reject(Encoding.UTF8.GetBytes(body));
        Assert.Equal((400, -32600, message), (r.Status, r.Code, r.Message));
    }

    [Theory]
    [InlineData("keyId")]
    [InlineData("encryptedSessionKey")]
    [InlineData("iv")]
    [InlineData("authTag")]
    [InlineData("ciphertext")]
    public void Missing_blank_or_non_string_fields_are_named(string field)
    {
        foreach (var change in new Action<JsonObject>[] { o => o.Remove(field), o => o[field] = "  ", o => o[field] = 42 })
        {
            var r = Reject(Mutate(AuthHarness.Envelope(), change));
            Assert.Equal((400, -32600, "Encrypted payload is missing required field: " + field), (r.Status, r.Code, r.Message));
        }
    }

    [Fact]
    public void Unknown_key_id_is_unsupported()
    {
        var r = Reject(AuthHarness.Envelope(keyId: "someone-else"));
        Assert.Equal((400, "Unsupported key identifier"), (r.Status, r.Message));
    }

    [Fact]
    public void Envelope_for_another_key_cannot_unwrap_the_session_key()
    {
        // Encrypted to the retired key's public half but labelled with the active id.
        var r = Reject(AuthHarness.Envelope(key: TestKeys.Secondary, keyId: AuthHarness.KeyId));
        Assert.Equal((400, "Unable to decrypt session key"), (r.Status, r.Message));
    }

    [Fact]
    public void Tampered_or_undecodable_session_key_is_refused()
    {
        Assert.Equal("Unable to decrypt session key", Reject(FlipBit(AuthHarness.Envelope(), "encryptedSessionKey", 17)).Message);
        Assert.Equal("Unable to decrypt session key", Reject(Mutate(AuthHarness.Envelope(), o => o["encryptedSessionKey"] = "%%%%")).Message);
    }

    [Theory]
    [InlineData("ciphertext")]
    [InlineData("authTag")]
    [InlineData("iv")]
    public void Any_flipped_bit_in_the_gcm_parts_fails_authentication(string field)
    {
        var r = Reject(FlipBit(AuthHarness.Envelope(), field, 5));
        Assert.Equal((400, -32600, "Unable to decrypt authentication payload"), (r.Status, r.Code, r.Message));
    }

    [Fact]
    public void Truncated_tag_is_refused_although_the_reference_accepts_it()
    {
        var r = Reject(Sealed("""{"credentials":{"username":"A","password":"B"},"request":{"host":"h"}}""", tag: 12));
        Assert.Equal((400, "Unable to decrypt authentication payload: authTag must be 16 bytes"), (r.Status, r.Message));
    }

    [Fact]
    public void Iv_other_than_12_bytes_is_refused()
    {
        // .NET cannot even encrypt with a 16-byte GCM nonce; Node can, so a Node client could send one.
        var r = Reject(Mutate(AuthHarness.Envelope(), o => o["iv"] = Convert.ToBase64String(new byte[16])));
        Assert.Equal((400, "Unable to decrypt authentication payload: iv must be 12 bytes"), (r.Status, r.Message));
    }

    [Fact]
    public void A_session_key_that_is_not_32_bytes_is_a_payload_error()
    {
        var wrapped = TestKeys.Primary.Encrypt(new byte[16], RSAEncryptionPadding.OaepSHA256);
        var body = CredentialEnvelopeWriter.WriteBody(AuthHarness.KeyId, wrapped, new byte[12], new byte[16], new byte[8]);
        Assert.Equal("Unable to decrypt authentication payload", Reject(body).Message);
    }

    [Theory]
    [InlineData("not json", "Unable to decrypt authentication payload")]
    [InlineData("[]", "Unable to decrypt authentication payload")]
    [InlineData("""{"request":{"host":"h"}}""", "Unable to decrypt authentication payload")]
    [InlineData("""{"credentials":"x","request":{"host":"h"}}""", "Unable to decrypt authentication payload")]
    [InlineData("""{"credentials":{"password":"p"},"request":{"host":"h"}}""", "Username is required")]
    [InlineData("""{"credentials":{"username":"  ","password":"p"},"request":{"host":"h"}}""", "Username is required")]
    [InlineData("""{"credentials":{"username":"u"},"request":{"host":"h"}}""", "Password is required")]
    [InlineData("""{"credentials":{"username":"u","password":null},"request":{"host":"h"}}""", "Password is required")]
    [InlineData("""{"credentials":{"username":"u","password":"p"}}""", "Request body must be a JSON object")]
    [InlineData("""{"credentials":{"username":"u","password":"p"},"request":[1]}""", "Request body must be a JSON object")]
    [InlineData("""{"credentials":{"username":"u","password":"p"},"request":{}}""", "Host is required and must be a non-empty string")]
    [InlineData("""{"credentials":{"username":"u","password":"p"},"request":{"host":" "}}""", "Host is required and must be a non-empty string")]
    [InlineData("""{"credentials":{"username":"u","password":"p"},"request":{"host":7}}""", "Host is required and must be a non-empty string")]
    [InlineData("""{"credentials":{"username":"u","password":"p"},"request":{"host":"h","duration":"7200"}}""", "Duration must be a positive number not exceeding 86400 seconds (24 hours)")]
    [InlineData("""{"credentials":{"username":"u","password":"p"},"request":{"host":"h","duration":0}}""", "Duration must be a positive number not exceeding 86400 seconds (24 hours)")]
    [InlineData("""{"credentials":{"username":"u","password":"p"},"request":{"host":"h","duration":86401}}""", "Duration must be a positive number not exceeding 86400 seconds (24 hours)")]
    [InlineData("""{"credentials":{"username":"u","password":"p"},"request":{"host":"h","duration":null}}""", "Duration must be a positive number not exceeding 86400 seconds (24 hours)")]
    [InlineData("""{"credentials":{"username":"u","password":"p"},"request":{"host":"h","poolstart":0}}""", "poolstart must be a number between 1 and 50")]
    [InlineData("""{"credentials":{"username":"u","password":"p"},"request":{"host":"h","poolstart":51}}""", "poolstart must be a number between 1 and 50")]
    [InlineData("""{"credentials":{"username":"u","password":"p"},"request":{"host":"h","poolstart":"2"}}""", "poolstart must be a number between 1 and 50")]
    [InlineData("""{"credentials":{"username":"u","password":"p"},"request":{"host":"h","poolstart":1.5}}""", "poolstart must be a number between 1 and 50")]
    [InlineData("""{"credentials":{"username":"u","password":"p"},"request":{"host":"h","poolmax":0}}""", "poolmax must be a number between 1 and 100")]
    [InlineData("""{"credentials":{"username":"u","password":"p"},"request":{"host":"h","poolmax":101}}""", "poolmax must be a number between 1 and 100")]
    [InlineData("""{"credentials":{"username":"u","password":"p"},"request":{"host":"h","poolstart":5,"poolmax":4}}""", "poolstart cannot be greater than poolmax")]
    public void Credential_rows_are_checked_in_the_reference_order(string plaintext, string message)
    {
        var r = Reject(Sealed(plaintext));
        Assert.Equal((400, -32600, message), (r.Status, r.Code, r.Message));
    }

    [Fact]
    public void Unknown_properties_are_ignored_at_every_level()
    {
        using var request = Open(Sealed("""{"x":[1,{"y":2}],"credentials":{"username":"u","password":"p","z":{}},"request":{"host":"h","extra":true,"poolmax":3}}"""));
        Assert.Equal(3, request.PoolMax);
        Assert.Equal(2, request.PoolStart);
    }

    [Fact]
    public void Poolstart_above_the_default_max_raises_the_max()
    {
        using var request = Open(Sealed("""{"credentials":{"username":"u","password":"p"},"request":{"host":"h","poolstart":20}}"""));
        Assert.Equal((20, 20), (request.PoolStart, request.PoolMax));
    }
}
