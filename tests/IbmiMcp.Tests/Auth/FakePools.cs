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

    /// <summary>What USER_INFO answers for each user: group, supplemental groups, special authorities (as IBM i lists them).</summary>
    public Dictionary<string, (string Group, string? Supplemental, string Special)> Profiles { get; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["ALICE"] = ("HRGRP", "REPORTS", "*NONE"),
        ["BOB"] = ("DEVGRP", null, "*JOBCTL   *SPLCTL"),
        ["MCPUSER"] = ("*NONE", null, "*NONE"),
    };

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
        var pool = new FakePool(user.ToUpperInvariant()) { Profile = Profiles.TryGetValue(user, out var p) ? p : null };
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

    public (string Group, string? Supplemental, string Special)? Profile { get; init; }

    /// <summary>Answers only the sign-on's profile query; any other statement is a test bug.</summary>
    public ValueTask<SqlResult> ExecuteAsync(SqlCommand command, CancellationToken cancellationToken)
    {
        if (!command.Sql.Contains("USER_INFO", StringComparison.Ordinal))
            throw new NotSupportedException(command.Sql);
        var columns = new[] { new SqlColumn("GROUP_PROFILE_NAME", "VARCHAR", "GROUP", 10, 10, 0),
            new SqlColumn("SUPPLEMENTAL_GROUP_LIST", "VARCHAR", "SUPPLEMENTAL", 150, 150, 0), new SqlColumn("SPECIAL_AUTHORITIES", "VARCHAR", "SPECIAL", 88, 88, 0) };
        var rows = Profile is { } p
            ? new[] { System.Text.Json.JsonDocument.Parse(System.Text.Json.JsonSerializer.Serialize(new[] { p.Group, p.Supplemental, p.Special },
                IbmiMcp.Tests.Auth.FakeProfileJson.Default.StringArray)).RootElement }
            : Array.Empty<System.Text.Json.JsonElement>();
        return ValueTask.FromResult(new SqlResult(columns, rows, true, -1, false, "1/FAKE/QZDASOINIT", TimeSpan.Zero));
    }

    public ValueTask DisposeAsync()
    {
        Interlocked.Increment(ref DisposeCalls);
        Volatile.Write(ref _disposed, 1);
        return ValueTask.CompletedTask;
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string?[]))]
internal sealed partial class FakeProfileJson : System.Text.Json.Serialization.JsonSerializerContext;
