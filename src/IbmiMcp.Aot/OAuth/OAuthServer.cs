using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using IbmiMcp.Auth;
using IbmiMcp.Auth.Sessions;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace IbmiMcp.OAuth;

/// <summary>
/// The server as the OAuth 2.1 authorization server of its own /mcp (docs/oauth-server.md). OpenIddict's server runs
/// behind the one-switch router through its authentication handler on a per-request scope, built on the first OAuth
/// request. The authorization endpoint is ours (pass-through): the IBM i sign-in page, whose sealed envelope signs on
/// through <see cref="AuthEndpoints.SignOnAsync(SignOnRequest, string?, CancellationToken)"/>, the very path of
/// POST /api/v1/auth. The code carries the session's token, which the token endpoint hands out as the access token in
/// place of OpenIddict's; a grant in the session store carries refreshes on (each a new IBM i sign-on).
/// </summary>
internal sealed class OAuthServer : IAsyncDisposable
{
    private const string SessionTokenClaim = "ibmi_token";
    private const string SessionExpiresClaim = "ibmi_expires_in";
    private const string TokenProperty = ".ibmi_token";
    private const string ExpiresProperty = ".ibmi_expires_in";
    private const string GrantProperty = ".ibmi_grant";
    private const string RedirectProperty = ".ibmi_verified_redirect";
    private const string ClientProperty = ".ibmi_client";

    private const string GrantClaim = "ibmi_grant";
    private const string GrantKeyClaim = "ibmi_grant_key";
    private const string GenerationClaim = "ibmi_grant_gen";

    private readonly Lazy<ServiceProvider> _services;
    private readonly OAuthSettings _settings;
    private readonly IbmiAuthService _auth;
    private readonly ProxyTrust _proxies;
    private readonly string _host;
    private readonly byte[] _csrfKey;
    private readonly TimeProvider _time;
    private readonly IOAuthClientStore _clients;
    private readonly IOAuthGrantStore _grants;
    private readonly IReadOnlyDictionary<string, OAuthClient> _configured;
    private readonly string _registrationEndpoint;
    private readonly ClientMetadataDocuments? _documents;

    private OAuthServer(OAuthSettings settings, IbmiAuthService auth, ProxyTrust proxies, string host, ILoggerFactory loggerFactory, TimeProvider time)
    {
        _settings = settings;
        _configured = settings.ConfiguredClients.ToDictionary(c => c.ClientId, StringComparer.Ordinal);
        _auth = auth; _proxies = proxies; _host = host; _time = time;
        _clients = auth.Redis is { } redis ? new RedisOAuthClientStore(redis, time) : new MemoryOAuthClientStore(time);
        _grants = auth.Redis is { } shared ? new RedisOAuthGrantStore(shared, auth.Sealer!, time) : new MemoryOAuthGrantStore(time);
        _registrationEndpoint = new Uri(settings.Issuer, "oauth/register").AbsoluteUri;
        var log = loggerFactory.CreateLogger("IbmiMcp.OAuth");
        _documents = settings.ClientMetadataDocuments ? new ClientMetadataDocuments(settings.MetadataAllowedHosts, time, log) : null;
        OAuthLog.Ready(log, settings.Issuer.AbsoluteUri, settings.Resource, settings.Registration, settings.ClientMetadataDocuments,
            settings.ConfiguredClients.Count, settings.MaxGrantLifetime.TotalHours);
        var keys = DeriveKeys(auth.Keys);
        _csrfKey = keys.Csrf;
        // Built on the first OAuth request: building it at start-up cost 11.6 ms (bench/RESULTS.md, issue 27).
        _services = new Lazy<ServiceProvider>(() => Build(keys, loggerFactory));
    }

    /// <param name="host">The IBM i system the sign-in page signs on to.</param>
    public static OAuthServer Create(OAuthSettings settings, IbmiAuthService auth, ProxyTrust proxies, string host, ILoggerFactory loggerFactory, TimeProvider? time = null)
        => new(settings, auth, proxies, host, loggerFactory, time ?? TimeProvider.System);

    /// <summary>The client, however it is known (see <see cref="ResolveClientAsync"/>), or null.</summary>
    private async ValueTask<OAuthClient?> FindClientAsync(string? clientId) => (await ResolveClientAsync(clientId).ConfigureAwait(false)).Client;

    /// <summary>
    /// A client from configuration first, then a metadata document (an https client_id), then one registered
    /// dynamically; with the reason when none is found.
    /// </summary>
    private async ValueTask<(OAuthClient? Client, string Refusal)> ResolveClientAsync(string? clientId)
    {
        const string Unknown = "Unknown client_id: the client must register first (registration_endpoint).";
        if (string.IsNullOrEmpty(clientId)) return (null, "client_id is missing.");
        if (_configured.TryGetValue(clientId, out var configured)) return (configured, "");
        if (ClientMetadataDocuments.IsDocumentUrl(clientId))
        {
            if (_documents is null) return (null, "This server does not accept client metadata documents (IBMI_OAUTH_CLIENT_METADATA_DOCUMENTS=false).");
            var (client, refusal) = await _documents.GetAsync(clientId, CancellationToken.None).ConfigureAwait(false);
            return (client, client is null ? $"The client cannot be used: {refusal}." : "");
        }
        if (!_settings.Registration) return (null, Unknown);
        var registered = await _clients.FindAsync(clientId, _settings.UnusedClientLifetime).ConfigureAwait(false);
        return (registered, registered is null ? Unknown : "");
    }

    /// <summary>IBMI_OAUTH_CLIENTS_FILE: a JSON array of {client_id, client_name, redirect_uris}; each URI obeys the registration rules.</summary>
    internal static IReadOnlyList<OAuthClient> LoadClients(string path, List<string> problems)
    {
        var clients = new List<OAuthClient>();
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(path));
            foreach (var entry in doc.RootElement.EnumerateArray())
            {
                var id = entry.GetProperty("client_id").GetString()!;
                var uris = entry.GetProperty("redirect_uris").EnumerateArray().Select(u => u.GetString()!).ToArray();
                foreach (var uri in uris)
                    if (!ClientRegistration.IsAcceptableRedirect(uri, out var why)) problems.Add($"IBMI_OAUTH_CLIENTS_FILE: client {id}: {why}");
                var name = entry.TryGetProperty("client_name", out var n) ? n.GetString()! : id;
                clients.Add(new OAuthClient(id, name, uris, 0) { Kind = OAuthClientKind.Configured });
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
        {
            problems.Add($"IBMI_OAUTH_CLIENTS_FILE '{path}': not a JSON array of {{client_id, client_name, redirect_uris}}: {ex.Message}");
        }
        return clients;
    }

    internal readonly record struct DerivedKeys(byte[] Encryption, byte[] Signing, byte[] Csrf);

    /// <summary>
    /// Codes are encrypted and signed with keys every replica derives alike from the active envelope key (HKDF-SHA256,
    /// one label per purpose): no key to distribute, nothing generated at start, and a key rotation ends codes in flight.
    /// </summary>
    internal static DerivedKeys DeriveKeys(KeyRing keys, string? keyId = null)
    {
        keys.TryGetPrivateKey(keyId ?? keys.ActiveKeyId, out var rsa);
        var secret = rsa!.ExportPkcs8PrivateKey();
        try
        {
            return new(HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, 32, info: "ibmi-mcp oauth encryption v1"u8.ToArray()),
                HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, 32, info: "ibmi-mcp oauth signing v1"u8.ToArray()),
                HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, 32, info: "ibmi-mcp oauth csrf v1"u8.ToArray()));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    private static ECDsa DerivedEcdsa(byte[] seed)
    {
        // A P-256 private scalar from the seed: 32 bytes below the group order (true for all but ~2^-32 of seeds;
        // the counter covers the rest).
        for (byte counter = 0; ; counter++)
        {
            var d = HKDF.DeriveKey(HashAlgorithmName.SHA256, seed, 32, info: [.. "ibmi-mcp oauth ecdsa v1 "u8, counter]);
            try
            {
                return ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = d });
            }
            catch (CryptographicException) when (counter < 8)
            {
            }
        }
    }

    private ServiceProvider Build(DerivedKeys keys, ILoggerFactory loggerFactory)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        // OpenIddict narrates every request at Information; its warnings and errors are what an operator needs.
        services.AddSingleton<ILoggerFactory>(new WarningFloor(loggerFactory));
        services.AddAuthentication();
        services.AddOpenIddict().AddServer(o =>
        {
            o.SetIssuer(_settings.Issuer);
            o.SetAuthorizationEndpointUris("oauth/authorize").SetTokenEndpointUris("oauth/token").SetRevocationEndpointUris("oauth/revoke");
            o.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange().AllowRefreshTokenFlow();
            o.SetAuthorizationCodeLifetime(_settings.CodeLifetime);
            // A refresh token rotates on every use and never outlives the grant: its expiry is the first one's.
            o.SetRefreshTokenLifetime(_settings.MaxGrantLifetime).DisableSlidingRefreshTokenExpiration();
            // RFC 8707: the only resource a token is for is this server's MCP endpoint (OpenIddict refuses any other).
            o.RegisterResources(_settings.Resource);
            // Clients ask for the scopes the protected resource metadata lists (the YAML tools' scopes). They grant
            // nothing here: an IBM i token's reach is the user profile's authority and group, checked per tool.
            o.DisableScopeValidation();
            o.EnableDegradedMode();
            o.AddEncryptionKey(new SymmetricSecurityKey(keys.Encryption));
            o.AddSigningKey(new SymmetricSecurityKey(keys.Signing));
            // Keys derived from retired envelope keys still open codes and refresh tokens issued before a rotation
            // (the first key of each kind is the one new tokens use): rotating IBMI_AUTH_KEY_ID signs nobody out.
            foreach (var retired in _auth.Keys.KeyIds.Where(id => id != _auth.Keys.ActiveKeyId))
            {
                var old = DeriveKeys(_auth.Keys, retired);
                o.AddEncryptionKey(new SymmetricSecurityKey(old.Encryption));
                o.AddSigningKey(new SymmetricSecurityKey(old.Signing));
            }
            // OpenIddict insists on one asymmetric signing key (for identity tokens, which this server never issues);
            // derived like the others, so it costs no key generation and every replica holds the same.
            o.AddSigningKey(new ECDsaSecurityKey(DerivedEcdsa(keys.Signing)));
            o.Configure(options =>
            {
                options.CodeChallengeMethods.Clear();
                options.CodeChallengeMethods.Add(CodeChallengeMethods.Sha256);
                // Public clients only (MCP clients hold no secret): PKCE is their proof. No OpenID Connect either.
                options.ClientAuthenticationMethods.Clear();
                options.ClientAuthenticationMethods.Add(ClientAuthenticationMethods.None);
                options.Scopes.Remove(Scopes.OpenId);
            });
            o.UseAspNetCore().EnableAuthorizationEndpointPassthrough().DisableTransportSecurityRequirement();
            o.AddEventHandler<HandleConfigurationRequestContext>(b => b.UseInlineHandler(c =>
            {
                // The ASP.NET Core host adds client_secret_basic after the options are read; no client here has a secret.
                c.TokenEndpointAuthenticationMethods.Clear();
                c.TokenEndpointAuthenticationMethods.Add(ClientAuthenticationMethods.None);
                if (_settings.Registration) c.Metadata["registration_endpoint"] = _registrationEndpoint;
                c.Metadata["client_id_metadata_document_supported"] = _documents is not null;
                return default;
            }).SetOrder(int.MaxValue));
            o.AddEventHandler<ValidateAuthorizationRequestContext>(b => b.UseInlineHandler(async c =>
            {
                // First of all checks. Refusals here are shown on a page, never redirected: the redirect URI is not trusted
                // yet. Once it is, any later refusal (PKCE, resource, scope…) goes back to the client (RFC 6749 §4.1.2.1).
                var (client, refusal) = await ResolveClientAsync(c.ClientId).ConfigureAwait(false);
                if (string.IsNullOrEmpty(c.ClientId)) c.Reject(Errors.InvalidRequest, "The client_id parameter is missing.");
                else if (client is null) c.Reject(Errors.InvalidClient, refusal);
                else if (!client.Allows(c.RedirectUri)) c.Reject(Errors.InvalidRequest, "redirect_uri is not one this client registered.");
                else
                {
                    c.Transaction.Properties[RedirectProperty] = c.RedirectUri;
                    c.Transaction.Properties[ClientProperty] = client;   // for the page: the store is asked once per request
                }
            }).SetOrder(int.MinValue + 10_000));
            o.AddEventHandler<ApplyAuthorizationResponseContext>(b => b.UseInlineHandler(c =>
            {
                // OpenIddict redirects only requests that passed every check; an error after the client and its
                // redirect URI were verified goes to that URI with the state (and iss), not to a page.
                if (c.RedirectUri is null && c.Error is not null && c.Transaction.Properties.TryGetValue(RedirectProperty, out var uri) && uri is string verified)
                    c.RedirectUri = verified;
                return default;
            }).SetOrder(OpenIddict.Server.OpenIddictServerHandlers.Authentication.AttachRedirectUri.Descriptor.Order + 500));
            o.AddEventHandler<ValidateTokenRequestContext>(b => b.UseInlineHandler(async c =>
            {
                if (await FindClientAsync(c.ClientId).ConfigureAwait(false) is null)
                    c.Reject(Errors.InvalidClient, "Unknown client_id.");
            }));
            o.AddEventHandler<ProcessSignInContext>(b => b.UseInlineHandler(c => c.EndpointType switch
            {
                OpenIddict.Server.OpenIddictServerEndpointType.Authorization => RememberSession(c),
                OpenIddict.Server.OpenIddictServerEndpointType.Token when c.Request.IsAuthorizationCodeGrantType() => ExchangeCodeAsync(c),
                OpenIddict.Server.OpenIddictServerEndpointType.Token when c.Request.IsRefreshTokenGrantType() => RefreshAsync(c),
                _ => default,
            }));
            // Revocation (RFC 7009). Access tokens are IBM i sessions, not OpenIddict's tokens: revoking one signs it out.
            o.AddEventHandler<ValidateRevocationRequestContext>(b => b.UseInlineHandler(async c =>
            {
                if (await FindClientAsync(c.ClientId).ConfigureAwait(false) is null)
                    c.Reject(Errors.InvalidClient, "Unknown client_id.");
                else if (c.Request.Token is { } token && await _auth.Tokens.RevokeAsync(token).ConfigureAwait(false))
                    c.HandleRequest();
            }).SetOrder(OpenIddict.Server.OpenIddictServerHandlers.Revocation.ValidateTokenParameter.Descriptor.Order + 500));
            o.AddEventHandler<HandleRevocationRequestContext>(b => b.UseInlineHandler(async c =>
            {
                if (TryReadGrant(c.GenericTokenPrincipal, out var grantId, out var key, out _))
                    await EndGrantAsync(grantId, key, "revoked", ClientAddress(c.Transaction)).ConfigureAwait(false);
            }));
            o.AddEventHandler<ApplyRevocationResponseContext>(b => b.UseInlineHandler(c =>
            {
                // RFC 7009 §2.2: a token that is invalid, expired or already revoked is answered like a revoked one.
                if (c.Error == Errors.InvalidToken) c.Transaction.Response = new OpenIddictResponse();
                return default;
            }).SetOrder(int.MinValue));
            o.AddEventHandler<ApplyAuthorizationResponseContext>(b => b.UseInlineHandler(c =>
            {
                if (c.Response.Code is { } code && c.Transaction.Properties.TryGetValue(TokenProperty, out var token) && token is string session
                    && c.Transaction.Properties.TryGetValue(GrantProperty, out var grant) && grant is (string grantId, byte[] key))
                    _ = EndUnexchangedAsync(code, session, grantId, key);
                return default;
            }));
            o.AddEventHandler<ApplyTokenResponseContext>(b => b.UseInlineHandler(c =>
            {
                if (c.Transaction.Properties.TryGetValue(TokenProperty, out var token) && token is string value)
                {
                    c.Response.AccessToken = value;
                    c.Response.TokenType = TokenTypes.Bearer;
                    c.Response.ExpiresIn = long.Parse((string)c.Transaction.Properties[ExpiresProperty]!, System.Globalization.CultureInfo.InvariantCulture);
                }
                return default;
            }));
        });
        return services.BuildServiceProvider();
    }

    /// <summary>Answers an OAuth path; false when nothing here serves it (the router then answers 404).</summary>
    public async Task<bool> TryHandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        if (path.StartsWith("/oauth/assets/", StringComparison.Ordinal) && HttpMethods.IsGet(context.Request.Method))
            return await SignInPage.TryWriteAssetAsync(context, path["/oauth/assets/".Length..]).ConfigureAwait(false);

        if (path == "/oauth/register" && _settings.Registration)
        {
            await RegisterAsync(context).ConfigureAwait(false);
            return true;
        }

        await using var scope = _services.Value.CreateAsyncScope();
        context.RequestServices = scope.ServiceProvider;
        var handlers = scope.ServiceProvider.GetRequiredService<IAuthenticationHandlerProvider>();
        if (await handlers.GetHandlerAsync(context, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme).ConfigureAwait(false) is not IAuthenticationRequestHandler handler)
            return false;
        if (await handler.HandleRequestAsync().ConfigureAwait(false))
            return true;
        if (context.GetOpenIddictServerRequest() is { } request && path == "/oauth/authorize")
        {
            await AuthorizeAsync(context, request).ConfigureAwait(false);
            return true;
        }
        return false;
    }

    private async Task AuthorizeAsync(HttpContext context, OpenIddictRequest request)
    {
        var fields = SignInPage.CarriedParameters
            .Select(name => (name, value: (string?)request.GetParameter(name)))
            .Where(p => p.value is not null)
            .Select(p => KeyValuePair.Create(p.name, p.value!))
            .ToList();
        var redirectOrigin = new Uri(request.RedirectUri!).GetLeftPart(UriPartial.Authority);
        var csrf = Csrf(request);
        // The client the validation found (the pass-through only reaches here once it did).
        var known = context.Features.Get<OpenIddictServerAspNetCoreFeature>()?.Transaction?.Properties.GetValueOrDefault(ClientProperty) as OAuthClient
            ?? await FindClientAsync(request.ClientId).ConfigureAwait(false);
        var clientName = known?.ClientName ?? request.ClientId!;

        if (!HttpMethods.IsPost(context.Request.Method))
        {
            await SignInPage.WriteAsync(context, SignInPage.Render(Model(request, known, fields, csrf)), redirectOrigin).ConfigureAwait(false);
            return;
        }
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes((string?)request.GetParameter("csrf") ?? ""), Encoding.ASCII.GetBytes(csrf)))
        {
            await SignInPage.WriteAsync(context, SignInPage.Render(Model(request, known, fields, csrf, "This sign-in form has expired. Sign in again.")), redirectOrigin, 400)
                .ConfigureAwait(false);
            return;
        }
        var envelope = Encoding.UTF8.GetBytes((string?)request.GetParameter("envelope") ?? "");
        CredentialEnvelope.TryOpen(envelope, _auth.Keys, out var signOn, out var rejection);
        CryptographicOperations.ZeroMemory(envelope);
        if (signOn is null)
        {
            await SignInPage.WriteAsync(context, SignInPage.Render(Model(request, known, fields, csrf, rejection.Message)), redirectOrigin, 400).ConfigureAwait(false);
            return;
        }
        // The grant keeps a copy of the password for refreshes (each is a new IBM i sign-on); the sign-on zeroes signOn's.
        var password = GC.AllocateArray<byte>(signOn.Password.Length, pinned: true);
        signOn.Password.CopyTo(password);
        var (user, host, duration, poolStart, poolMax) = (signOn.User, signOn.Host, signOn.DurationSeconds, signOn.PoolStart, signOn.PoolMax);
        AuthEndpoints.SignOnVerdict verdict;
        using (signOn)
            verdict = await _auth.Endpoints.SignOnAsync(signOn, _proxies.ClientAddress(context), context.RequestAborted).ConfigureAwait(false);
        if (verdict.Issued is not { } issued)
        {
            CryptographicOperations.ZeroMemory(password);
            if (verdict.Rejection is { } refused)
                await SignInPage.WriteAsync(context, SignInPage.Render(Model(request, known, fields, csrf, refused.Message, user)), redirectOrigin, refused.Status)
                    .ConfigureAwait(false);
            return;
        }

        var grant = new OAuthGrant(OAuthGrant.NewId(), issued.Session.User, host, request.ClientId!, clientName, _time.GetUtcNow() + _settings.MaxGrantLifetime,
            0, issued.Token, issued.Session.SessionId, duration, poolStart, poolMax, password);
        var key = OAuthGrant.NewKey();
        try
        {
            await _grants.AddAsync(grant, key).ConfigureAwait(false);
        }
        catch (SessionStoreUnavailableException)
        {
            CryptographicOperations.ZeroMemory(password);
            await _auth.Tokens.RevokeAsync(issued.Token).ConfigureAwait(false);
            await SignInPage.WriteAsync(context, SignInPage.Render(Model(request, known, fields, csrf, "The session store is unavailable; try again shortly.", user)),
                redirectOrigin, 503).ConfigureAwait(false);
            return;
        }

        _auth.Telemetry.Audit.OAuthGrant("signed_in", grant.User, grant.ClientId, grant.ClientName, grant.SessionId, clientAddress: _proxies.ClientAddress(context));
        var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, issued.Session.User).SetClaim(Claims.Name, issued.Session.User)
            .SetClaim(SessionTokenClaim, issued.Token)
            .SetClaim(SessionExpiresClaim, issued.ExpiresIn.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .SetClaim(GrantClaim, grant.GrantId).SetClaim(GrantKeyClaim, System.Buffers.Text.Base64Url.EncodeToString(key)).SetClaim(GenerationClaim, "0");
        // offline_access whether asked or not: MCP clients refresh by themselves, and the grant bounds how long.
        identity.SetScopes(request.GetScopes().Append(Scopes.OfflineAccess).Distinct(StringComparer.Ordinal));
        identity.SetResources(_settings.Resource);
        identity.SetDestinations(_ => []);
        await context.SignInAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, new ClaimsPrincipal(identity)).ConfigureAwait(false);
    }

    /// <summary>POST /oauth/register (RFC 7591): 201 with the client, or 400/405/413/415/429 with an OAuth error body.</summary>
    private async Task RegisterAsync(HttpContext context)
    {
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            context.Response.Headers.Allow = "POST";
            await WriteJsonAsync(context, 405, Error("invalid_request", "use POST")).ConfigureAwait(false);
            return;
        }
        if (!Http.HttpBody.IsJson(context.Request.ContentType))
        {
            await WriteJsonAsync(context, 415, Error("invalid_client_metadata", "Content-Type must be application/json")).ConfigureAwait(false);
            return;
        }
        var address = _proxies.ClientAddress(context) ?? "unknown";
        if (await _clients.CountRegistrationAsync(address).ConfigureAwait(false) > _settings.RegistrationsPerHour)
        {
            context.Response.Headers.RetryAfter = "3600";
            await WriteJsonAsync(context, 429, Error("invalid_request", $"at most {_settings.RegistrationsPerHour} registrations per hour from one address")).ConfigureAwait(false);
            return;
        }
        var body = await Http.HttpBody.ReadAsync(context, ClientRegistration.MaxBodyBytes).ConfigureAwait(false);
        if (body.Buffer is null)
        {
            if (!context.RequestAborted.IsCancellationRequested)
                await WriteJsonAsync(context, 413, Error("invalid_client_metadata", $"the registration exceeds {ClientRegistration.MaxBodyBytes} bytes")).ConfigureAwait(false);
            return;
        }
        OAuthClient? client;
        ClientRegistration.Refusal refusal;
        try
        {
            ClientRegistration.TryParse(body.Span, _time.GetUtcNow().ToUnixTimeSeconds(), out client, out refusal);
        }
        finally
        {
            body.Return();
        }
        if (client is null)
        {
            await WriteJsonAsync(context, 400, Error(refusal.Error, refusal.Description)).ConfigureAwait(false);
            return;
        }
        if (!await _clients.TryAddAsync(client!, _settings.MaxClients, _settings.UnusedClientLifetime).ConfigureAwait(false))
        {
            await WriteJsonAsync(context, 503, Error("temporarily_unavailable", "this server holds as many clients as it may")).ConfigureAwait(false);
            return;
        }
        await WriteJsonAsync(context, 201, client!.ToJson()).ConfigureAwait(false);
    }

    private static byte[] Error(string error, string description)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(128);
        using (var w = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("error"u8, error);
            w.WriteString("error_description"u8, description);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static Task WriteJsonAsync(HttpContext context, int status, byte[] body) => Http.HttpBody.WriteAsync(context, status, "application/json", body);

    /// <summary>
    /// The session exists from the sign-in (the password check needs the connection); a code nobody exchanges must not
    /// leave it behind. Once the code has expired, claiming it in the shared replay window tells whether it was
    /// exchanged (claimed already, on any replica) or not (claimed now, so no late exchange can win): then the session ends.
    /// </summary>
    private async Task EndUnexchangedAsync(string code, string session, string grantId, byte[] key)
    {
        try
        {
            await Task.Delay(_settings.CodeLifetime + TimeSpan.FromSeconds(1), _time).ConfigureAwait(false);
            if (await _auth.Replays.TryRememberAsync(EnvelopeFingerprint.OfSecret("oauth code", code), CancellationToken.None).ConfigureAwait(false) == ReplayCheck.New)
            {
                await EndGrantAsync(grantId, key, "code_unexchanged", null).ConfigureAwait(false);
                await _auth.Tokens.RevokeAsync(session).ConfigureAwait(false);
            }
        }
        catch (Exception)
        {
            // The store is unreachable: the session ends at its own expiry, the grant at its own.
        }
    }

    /// <summary>Ends a grant and the session it holds: its refresh token and access token stop working on every replica.</summary>
    private async Task EndGrantAsync(string grantId, byte[] key, string reason, string? clientAddress)
    {
        if (await _grants.RemoveAsync(grantId, key).ConfigureAwait(false) is not { } grant) return;
        await _auth.Tokens.RevokeAsync(grant.Session).ConfigureAwait(false);
        _auth.Telemetry.Audit.OAuthGrant("ended", grant.User, grant.ClientId, grant.ClientName, grant.SessionId, reason, clientAddress);
    }

    private string? ClientAddress(OpenIddict.Server.OpenIddictServerTransaction transaction)
        => transaction.GetHttpRequest()?.HttpContext is { } http ? _proxies.ClientAddress(http) : null;

    private static bool TryReadGrant(ClaimsPrincipal? principal, out string grantId, out byte[] key, out int generation)
    {
        grantId = "";
        key = [];
        generation = 0;
        if (principal?.GetClaim(GrantClaim) is not { Length: > 0 } id || principal.GetClaim(GrantKeyClaim) is not { } encoded || !int.TryParse(principal.GetClaim(GenerationClaim),
                System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out generation))
            return false;
        grantId = id;
        key = System.Buffers.Text.Base64Url.DecodeFromChars(encoded);
        return key.Length == 32;
    }

    private static ValueTask RememberSession(ProcessSignInContext c)
    {
        // For the watch on a code nobody exchanges (ApplyAuthorizationResponseContext).
        if (c.Principal?.GetClaim(SessionTokenClaim) is { } token && TryReadGrant(c.Principal, out var grantId, out var key, out _))
        {
            c.Transaction.Properties[TokenProperty] = token;
            c.Transaction.Properties[GrantProperty] = (grantId, key);
        }
        return default;
    }

    /// <summary>The access token is the IBM i session's own token, not one OpenIddict would generate.</summary>
    private static void IssueSession(ProcessSignInContext c, string token, int expiresIn)
    {
        c.Transaction.Properties[TokenProperty] = token;
        c.Transaction.Properties[ExpiresProperty] = expiresIn.ToString(System.Globalization.CultureInfo.InvariantCulture);
        c.GenerateAccessToken = false;
        // The refresh token carries the grant, never a session token.
        c.RefreshTokenPrincipal?.RemoveClaims(SessionTokenClaim).RemoveClaims(SessionExpiresClaim);
    }

    private async ValueTask ExchangeCodeAsync(ProcessSignInContext c)
    {
        if (c.Principal?.GetClaim(SessionTokenClaim) is not { } token)
            return;
        // Codes are single-use on every replica (the shared replay window); a second use ends what the first one gave
        // out, session and refresh (RFC 9700 §4.2.1: the code may have been stolen).
        var use = await _auth.Replays.TryRememberAsync(EnvelopeFingerprint.OfSecret("oauth code", c.Request.Code ?? ""), CancellationToken.None)
            .ConfigureAwait(false);
        if (use != ReplayCheck.New)
        {
            if (use == ReplayCheck.Replayed)
            {
                if (TryReadGrant(c.Principal, out var grantId, out var key, out _))
                    await EndGrantAsync(grantId, key, "code_reused", ClientAddress(c.Transaction)).ConfigureAwait(false);
                await _auth.Tokens.RevokeAsync(token).ConfigureAwait(false);
            }
            c.Reject(Errors.InvalidGrant, use == ReplayCheck.Replayed
                ? "The authorization code was already used; the session it gave is ended. Sign in again."
                : "Too many sign-ins at once; try again in a minute.");
            return;
        }
        IssueSession(c, token, int.Parse(c.Principal.GetClaim(SessionExpiresClaim) ?? "3600", System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// A refresh is a new IBM i sign-on with the grant's kept password (the sign-on guard, the session cap and the
    /// profile read included): a disabled profile or a changed password ends the grant. The refresh token rotates; a
    /// rotated one presented again ends the grant, whoever presents it (RFC 9700 §4.14.2). The grant's previous session
    /// ends too: a grant holds one session at a time.
    /// </summary>
    private async ValueTask RefreshAsync(ProcessSignInContext c)
    {
        if (!TryReadGrant(c.Principal, out var grantId, out var key, out var generation))
        {
            c.Reject(Errors.InvalidGrant, "Not a refresh token of this server.");
            return;
        }
        OAuthGrant? grant;
        try { grant = await _grants.FindAsync(grantId, key).ConfigureAwait(false); }
        catch (SessionStoreUnavailableException)
        {
            c.Reject(Errors.TemporarilyUnavailable, "The session store is unavailable; try again shortly.");
            return;
        }
        if (grant is null)
        {
            c.Reject(Errors.InvalidGrant, "This sign-in has ended (revoked, signed out or past its lifetime). Sign in again.");
            return;
        }
        try
        {
            if (grant.Generation != generation)
            {
                await EndGrantAsync(grantId, key, "refresh_reused", ClientAddress(c.Transaction)).ConfigureAwait(false);
                c.Reject(Errors.InvalidGrant, "This refresh token was used before; the sign-in it belonged to is ended. Sign in again.");
                return;
            }
            var password = GC.AllocateArray<byte>(grant.Password.Length, pinned: true);
            grant.Password.CopyTo(password);
            var http = c.Transaction.GetHttpRequest()?.HttpContext;
            var clientAddress = http is null ? null : _proxies.ClientAddress(http);
            AuthEndpoints.SignOnVerdict verdict;
            using (var signOn = new SignOnRequest(grant.User, password, grant.Host, grant.DurationSeconds, grant.PoolStart, grant.PoolMax)
            {
                IssuedAt = _time.GetUtcNow().ToUnixTimeSeconds(),
                // One sign-on per generation on every replica: two refreshes racing with one token cannot both sign on.
                Fingerprint = EnvelopeFingerprint.OfSecret("oauth refresh", grantId + "/" + generation),
            })
                verdict = await _auth.Endpoints.SignOnAsync(signOn, clientAddress, http?.RequestAborted ?? default)
                    .ConfigureAwait(false);
            if (verdict.Issued is not { } issued)
            {
                var refused = verdict.Rejection;
                if (refused is { Status: 401 or 403 })
                {
                    // IBM i refused the profile (disabled, password changed): this grant can never sign on again.
                    await EndGrantAsync(grantId, key, "profile_refused", ClientAddress(c.Transaction)).ConfigureAwait(false);
                    c.Reject(Errors.InvalidGrant, $"{refused.Value.Message}: the sign-in has ended. Sign in again.");
                }
                else if (refused is { Status: 409 })
                {
                    await EndGrantAsync(grantId, key, "refresh_reused", ClientAddress(c.Transaction)).ConfigureAwait(false);
                    c.Reject(Errors.InvalidGrant, "This refresh token was used before; the sign-in it belonged to is ended. Sign in again.");
                }
                else c.Reject(Errors.TemporarilyUnavailable, refused?.Message ?? "The client left.");
                return;
            }
            var next = grant with { Generation = generation + 1, Session = issued.Token, SessionId = issued.Session.SessionId, Sealed = null };
            if (!await _grants.TryReplaceAsync(grant, next, key).ConfigureAwait(false))
            {
                await _auth.Tokens.RevokeAsync(issued.Token).ConfigureAwait(false);
                await EndGrantAsync(grantId, key, "refresh_reused", ClientAddress(c.Transaction)).ConfigureAwait(false);
                c.Reject(Errors.InvalidGrant, "This refresh token was used twice at once; the sign-in it belonged to is ended. Sign in again.");
                return;
            }
            await _auth.Tokens.RevokeAsync(grant.Session).ConfigureAwait(false);
            _auth.Telemetry.Audit.OAuthGrant("refreshed", grant.User, grant.ClientId, grant.ClientName, issued.Session.SessionId, clientAddress: ClientAddress(c.Transaction));
            IssueSession(c, issued.Token, issued.ExpiresIn);
            c.RefreshTokenPrincipal?.SetClaim(GenerationClaim, (generation + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(grant.Password);
        }
    }

    private SignInPage.Model Model(OpenIddictRequest request, OAuthClient? client, List<KeyValuePair<string, string>> fields, string csrf, string? error = null, string? user = null)
    {
        var redirectHost = new Uri(request.RedirectUri!).Host;
        var note = client?.Kind switch
        {
            OAuthClientKind.Configured => $"Registered by this server's operator. After the sign-in you return to {redirectHost}.",
            OAuthClientKind.MetadataDocument => $"Its name is published at {new Uri(client.ClientId).Host}; after the sign-in you return to {redirectHost}.",
            _ => $"This application registered itself: its name is not verified. Continue only if you started this sign-in from it; after the sign-in you return to {redirectHost}.",
        };
        // IBMI_AUTH_ALLOWED_HOSTS with several systems: the user picks one (the server checks the choice again).
        var hosts = _auth.Settings.AnyHost || _auth.Settings.AllowedHosts.Count < 2 ? [_host] : _auth.Settings.AllowedHosts.Order(StringComparer.Ordinal).ToArray();
        return new(client?.ClientName ?? request.ClientId!, note, hosts, _auth.Keys.ActiveKeyId, _auth.Keys.ActivePublicKeyPem, csrf, fields, error, user);
    }

    /// <summary>
    /// The anti-CSRF value: an HMAC of the authorization request (client, redirect, PKCE challenge, state) under a key
    /// every replica derives alike, so a form only signs in the request it was rendered for, on any replica.
    /// </summary>
    private string Csrf(OpenIddictRequest request)
    {
        var text = string.Join('\n', request.ClientId, request.RedirectUri, request.CodeChallenge, request.State);
        return Convert.ToBase64String(HMACSHA256.HashData(_csrfKey, Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>Hands OpenIddict loggers that drop everything below Warning, whatever MCP_LOG_LEVEL says.</summary>
    private sealed class WarningFloor(ILoggerFactory inner) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => new Floor(inner.CreateLogger(categoryName));
        public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);
        public void Dispose() { }

        private sealed class Floor(ILogger inner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);
            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning && inner.IsEnabled(logLevel);
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel)) inner.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_services.IsValueCreated) await _services.Value.DisposeAsync().ConfigureAwait(false);
        _documents?.Dispose();
    }
}
