using System.Collections.Concurrent;
using System.Text;
using IbmiMcp.Auth;
using IbmiMcp.Auth.Sessions;
using IbmiMcp.Mapepire;

namespace IbmiMcp.Tests.Auth;

/// <summary>
/// Stand-in for the Mapepire pool factory: users and passwords from a table, optional delay, optional forced failure.
/// Records every pool it opened so tests can check what was left open.
/// </summary>
internal sealed class FakePools : ISessionPoolFactory
{
    private readonly Dictionary<string, string> _users = new(StringComparer.OrdinalIgnoreCase)
    {
        ["MCPUSER"] = "mcppass1", ["ALICE"] = "alice123", ["BOB"] = "bob12345",
    };
    private int _attempts;

    public ConcurrentQueue<FakePool> Opened { get; } = new();
    public int Attempts => Volatile.Read(ref _attempts);
    public TimeSpan Delay { get; set; }
    public MapepireFailure? FailWith { get; set; }
    /// <summary>When set, OpenAsync waits for it (or cancellation) before answering.</summary>
    public TaskCompletionSource? Gate { get; set; }
    public Exception? Throw { get; set; }
    public string? LastHost { get; private set; }
    public int LastPoolStart { get; private set; }
    public int LastPoolMax { get; private set; }

    public int OpenCount => Opened.Count(p => !p.Disposed);

    public int MapepirePort => 8076;

    /// <summary>Sessions adopted from a shared store, with the password each was handed.</summary>
    public ConcurrentQueue<(FakePool Pool, string Password, SessionRecord Record)> Adopted { get; } = new();

    public ISessionPool Adopt(SessionRecord record, ReadOnlySpan<byte> password)
    {
        var pool = new FakePool(record.User);
        Adopted.Enqueue((pool, Encoding.UTF8.GetString(password), record));
        return pool;
    }

    public async ValueTask<ISessionPool> OpenAsync(SignOnRequest request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _attempts);
        LastHost = request.Host; LastPoolStart = request.PoolStart; LastPoolMax = request.PoolMax;
        // Copy before the first await: the caller may zero the password as soon as we return.
        var password = Encoding.UTF8.GetString(request.Password);
        var user = request.User;
        if (Gate is { } gate) await gate.Task.WaitAsync(cancellationToken);
        if (Delay > TimeSpan.Zero) await Task.Delay(Delay, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        if (Throw is { } ex) throw ex;
        if (FailWith is { } failure) throw new MapepireException(failure, "fake " + failure);
        if (!_users.TryGetValue(user, out var expected) || expected != password)
            throw new MapepireException(MapepireFailure.Authentication, "The application server rejected the connection");
        var pool = new FakePool(user.ToUpperInvariant());
        Opened.Enqueue(pool);
        return pool;
    }
}

internal sealed class FakePool : ISessionPool
{
    private int _disposed;
    public FakePool(string user) => User = user;
    public string User { get; }
    public bool Disposed => Volatile.Read(ref _disposed) != 0;
    public int DisposeCalls;

    public ValueTask<SqlResult> ExecuteAsync(SqlCommand command, CancellationToken cancellationToken)
        => throw new NotSupportedException();

    public ValueTask DisposeAsync()
    {
        Interlocked.Increment(ref DisposeCalls);
        Volatile.Write(ref _disposed, 1);
        return ValueTask.CompletedTask;
    }
}
