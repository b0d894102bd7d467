using IbmiMcp.Auth;

namespace IbmiMcp.Tests.Auth;

public sealed class BearerAuthenticatorTests : IAsyncLifetime
{
    private AuthHarness _h = null!;

    public Task InitializeAsync()
    {
        _h = new AuthHarness();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private async Task<Reply> ChallengeAsync(string? authorization, BearerFailure expected)
    {
        var context = AuthHarness.Context("POST", authorization: authorization);
        Assert.False(_h.Service.Bearer.TryAuthenticate(context, out var caller, out var failure));
        Assert.Null(caller);
        Assert.Equal(expected, failure);
        await BearerAuthenticator.WriteChallengeAsync(context, failure);
        var reply = Reply.From(context);
        Assert.Equal(401, reply.Status);
        Assert.Equal("2.0", reply.Json.GetProperty("jsonrpc").GetString());
        Assert.Equal(-32006, reply.ErrorCode);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, reply.Json.GetProperty("id").ValueKind);
        return reply;
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Basic YTpi")]
    [InlineData("Bearer")]
    public async Task Missing_or_non_bearer_header_gets_a_bare_challenge(string? header)
    {
        var reply = await ChallengeAsync(header, BearerFailure.MissingHeader);
        Assert.Equal("Missing or invalid Authorization header. Bearer scheme required.", reply.ErrorMessage);
        Assert.Equal("Bearer realm=\"ibmi-mcp\"", reply.Headers.WWWAuthenticate.ToString());
    }

    [Fact]
    public async Task Empty_token_is_reported_as_missing()
    {
        var reply = await ChallengeAsync("Bearer   ", BearerFailure.EmptyToken);
        Assert.Equal("Authentication token is missing.", reply.ErrorMessage);
    }

    [Fact]
    public async Task Malformed_and_unknown_tokens_are_distinguished()
    {
        Assert.Equal("Invalid token format", (await ChallengeAsync("Bearer abc", BearerFailure.Malformed)).ErrorMessage);
        var unknown = await ChallengeAsync("Bearer " + new string('A', 43), BearerFailure.NotFound);
        Assert.Equal("Token not found", unknown.ErrorMessage);
        Assert.Contains("error=\"invalid_token\"", unknown.Headers.WWWAuthenticate.ToString());
    }

    [Fact]
    public async Task Expired_token_is_refused_at_the_exact_instant_and_its_pool_closed()
    {
        var token = await _h.TokenAsync(duration: 10);
        _h.Time.Advance(TimeSpan.FromSeconds(10));
        var reply = await ChallengeAsync("Bearer " + token, BearerFailure.Expired);
        Assert.Equal("Token expired", reply.ErrorMessage);
        Assert.True(_h.Pools.Opened.Single().Disposed);
    }

    [Fact]
    public async Task Scheme_is_case_insensitive_and_surrounding_spaces_are_ignored()
    {
        var token = await _h.TokenAsync();
        var context = AuthHarness.Context("POST", authorization: "bearer  " + token + " ");
        Assert.True(_h.Service.Bearer.TryAuthenticate(context, out var caller, out _));
        Assert.Equal("ALICE", caller.Identity);
    }

    [Fact]
    public async Task Two_authorization_headers_are_not_believed()
    {
        var token = await _h.TokenAsync();
        var context = AuthHarness.Context("POST");
        context.Request.Headers.Authorization = new Microsoft.Extensions.Primitives.StringValues(["Bearer " + token, "Bearer " + token]);
        Assert.False(_h.Service.Bearer.TryAuthenticate(context, out _, out var failure));
        Assert.Equal(BearerFailure.MissingHeader, failure);
    }
}
