using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using IbmiMcp.Auth;
using IbmiMcp.Auth.Sessions;
using IbmiMcp.Mapepire;
using Microsoft.Extensions.Logging.Abstractions;

namespace IbmiMcp.Bench.Auth;

/// <summary>
/// Token → session with IBMI_AUTH_SESSION_STORE=redis against a real redis-server on loopback (started here):
/// a hot token is a local cache hit (the same path as the memory store); a token this replica has not seen costs a
/// Redis GET, the unsealing (HKDF + AES-GCM) and a lazy pool; a cached token past the staleness bound costs one EXISTS.
/// The cost of unsealing alone is measured without Redis.
/// </summary>
[MemoryDiagnoser, MinColumn]
public class RedisTokenLookupBenchmark
{
    private Process _redis = null!;
    private string _dir = "";
    private RedisSessionBackend _backend = null!;
    private RedisTokenStore _store = null!;
    private RedisTokenStore _stale = null!;
    private SessionSealer _sealer = null!;
    private string _token = "";
    private string _sealed = "";
    private readonly byte[] _raw = new byte[32];

    [GlobalSetup]
    public void Setup()
    {
        _dir = Directory.CreateTempSubdirectory("ibmi-bench-redis-").FullName;
        int port;
        using (var l = new TcpListener(IPAddress.Loopback, 0)) { l.Start(); port = ((IPEndPoint)l.LocalEndpoint).Port; }
        _redis = Process.Start(new ProcessStartInfo("redis-server", $"--port {port} --bind 127.0.0.1 --dir {_dir} --save \"\" --appendonly no")
        {
            RedirectStandardOutput = true, UseShellExecute = false,
        })!;
        for (int i = 0; i < 200; i++)
        {
            try { using var c = new TcpClient(); c.Connect(IPAddress.Loopback, port); break; }
            catch (SocketException) { Thread.Sleep(20); }
        }
        var ring = SessionKeyRing.FromKeys(RandomNumberGenerator.GetBytes(32));
        _sealer = new SessionSealer(ring);
        _backend = RedisSessionBackend.ConnectAsync($"127.0.0.1:{port}", "bench:", ring, NullLogger.Instance).GetAwaiter().GetResult();
        _store = new RedisTokenStore(_backend, _sealer, new NullPools(), 1000, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30),
            TimeProvider.System, NullLogger.Instance);
        _stale = new RedisTokenStore(_backend, _sealer, new NullPools(), 1000, TimeSpan.Zero, TimeSpan.FromSeconds(30),
            TimeProvider.System, NullLogger.Instance);
        var slot = _store.TryReserveAsync(default).AsTask().GetAwaiter().GetResult();
        var now = DateTimeOffset.UtcNow;
        using var request = new SignOnRequest("ALICE", Encoding.UTF8.GetBytes("alice123"), "127.0.0.1", null, 1, 2);
        _token = _store.IssueAsync(slot, new AuthSession("ALICE", "127.0.0.1", new NullPool(), now, now.AddHours(1)), request, default)
            .AsTask().GetAwaiter().GetResult();
        SessionTable.TryDecode(_token, _raw);
        var record = new SessionRecord { User = "ALICE", Host = "h", Port = 8076, PoolMax = 2, CreatedAt = now, ExpiresAt = now.AddHours(1) };
        var plain = record.Serialize("alice123"u8);
        _sealed = _sealer.Seal(_raw, plain);
        // Adopt once so the stale store has the token cached (past its zero staleness bound on every lookup).
        _stale.ResolveAsync(_token, default).AsTask().GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _stale.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _backend.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _redis.Kill();
        _redis.WaitForExit();
        Directory.Delete(_dir, true);
    }

    /// <summary>Hot token, fresh cache entry: what nearly every /mcp request costs.</summary>
    [Benchmark(Baseline = true)]
    public bool CacheHit() => _store.TryGet(_token, out _) == TokenLookup.Valid;

    /// <summary>Another replica's token seen for the first time: GET + unseal + parse + lazy pool; dropped again after.</summary>
    [Benchmark]
    public async Task<bool> CacheMissAdopt()
    {
        var resolved = await _store.ResolveAsync(_token, default);
        _store.Table.TryKeyOf(_token, out var key);
        _store.Table.TryRemove(key, resolved.Session!);
        return resolved.Lookup == TokenLookup.Valid;
    }

    /// <summary>A cached token past IBMI_AUTH_SESSION_CACHE_SECONDS: one EXISTS round trip.</summary>
    [Benchmark]
    public async Task<bool> StaleRevalidate() => (await _stale.ResolveAsync(_token, default)).Lookup == TokenLookup.Valid;

    /// <summary>HKDF + AES-256-GCM open of a sealed record, no Redis.</summary>
    [Benchmark]
    public int UnsealOnly()
    {
        _sealer.TryUnseal(_sealed, _raw, out var plain);
        int n = plain!.Length;
        CryptographicOperations.ZeroMemory(plain);
        return n;
    }

    private sealed class NullPool : ISessionPool
    {
        public string User => "ALICE";
        public ValueTask<SqlResult> ExecuteAsync(SqlCommand command, CancellationToken cancellationToken) => throw new NotSupportedException();
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class NullPools : ISessionPoolFactory
    {
        public int MapepirePort => 8076;
        public ValueTask<ISessionPool> OpenAsync(SignOnRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();
        public ISessionPool Adopt(SessionRecord record, ReadOnlySpan<byte> password) => new NullPool();
    }
}
