using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using IbmiMcp.Auth;
using IbmiMcp.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace IbmiMcp.Tests.Auth;

/// <summary>An <see cref="IbmiAuthService"/> over fake pools and a fake clock, driven through DefaultHttpContext.</summary>
internal sealed class AuthHarness : IAsyncDisposable
{
    public const string KeyId = "test-key-1";
    public const string Host = "ibmi.example.com";

    public AuthHarness(Func<ServerOptions, ServerOptions>? configure = null, bool retired = false)
    {
        Keys = new TestKeys();
        var options = new ServerOptions
        {
            HttpAuthEnabled = true,
            AuthMode = AuthMode.Ibmi,
            AuthKeyId = KeyId,
            AuthPrivateKeyPath = Keys.PrivatePath,
            AuthPublicKeyPath = Keys.PublicPath,
            AuthRetiredKeysDir = retired ? Keys.AddRetired("old-key") : null,
            Db2iHost = Host,
            AuthAllowHttp = false,
            MaxConcurrentSessions = 100,
            SignOnMaxFailures = 3,
            SignOnLockoutSeconds = 600,
        };
        Options = configure?.Invoke(options) ?? options;
        Service = AuthTestExtensions.CreateService(Options, Time, Pools);
    }

    public TestKeys Keys { get; }
    public ServerOptions Options { get; }
    public FakeTime Time { get; } = new();
    public FakePools Pools { get; } = new();
    public IbmiAuthService Service { get; }

    public static byte[] Envelope(string user = "ALICE", string password = "alice123", string host = Host, CredentialEnvelopeWriter.Options options = default,
        RSA? key = null, string keyId = KeyId)
        => CredentialEnvelopeWriter.Write(key ?? TestKeys.Primary, keyId, user, Encoding.UTF8.GetBytes(password), host, options);

    public static DefaultHttpContext Context(string method, byte[]? body = null, string? contentType = "application/json", bool https = true,
        string remote = "127.0.0.1", string? authorization = null)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Scheme = https ? "https" : "http";
        context.Request.IsHttps = https;
        context.Request.ContentType = contentType;
        if (body is not null)
        {
            context.Request.Body = new MemoryStream(body);
            context.Request.ContentLength = body.Length;
        }
        if (authorization is not null) context.Request.Headers.Authorization = authorization;
        context.Connection.RemoteIpAddress = IPAddress.Parse(remote);
        context.Response.Body = new MemoryStream();
        return context;
    }

    public async Task<Reply> SignOnAsync(byte[] body, bool https = true, string remote = "127.0.0.1", string? contentType = "application/json",
        Action<DefaultHttpContext>? prepare = null)
    {
        var context = Context("POST", body, contentType, https, remote);
        prepare?.Invoke(context);
        await Service.Endpoints.SignOnAsync(context);
        return Reply.From(context);
    }

    public async Task<string> TokenAsync(string user = "ALICE", string password = "alice123", int? duration = null)
    {
        var reply = await SignOnAsync(Envelope(user, password, options: new(Duration: duration)));
        Assert.Equal(201, reply.Status);
        return reply.Json.GetProperty("access_token").GetString()!;
    }

    public ValueTask DisposeAsync()
    {
        Keys.Dispose();
        return Service.DisposeAsync();
    }
}

internal sealed record Reply(int Status, IHeaderDictionary Headers, string Body)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;
    public int ErrorCode => Json.GetProperty("error").GetProperty("code").GetInt32();
    public string ErrorMessage => Json.GetProperty("error").GetProperty("message").GetString()!;

    public static Reply From(HttpContext context)
    {
        var stream = (MemoryStream)context.Response.Body;
        return new Reply(context.Response.StatusCode, context.Response.Headers, Encoding.UTF8.GetString(stream.ToArray()));
    }
}
