using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace IbmiMcp.Mapepire;

/// <summary>
/// An IBM i user profile and its password. The password is copied into a UTF-8 byte array owned by this object
/// and zeroed on <see cref="Dispose"/>; it never becomes a string (the Basic credentials of each WebSocket upgrade
/// are written into a byte buffer that is zeroed once sent). A pool takes ownership of the credentials it is opened with.
/// </summary>
public sealed class MapepireCredentials : IDisposable
{
    private byte[]? _password;

    public MapepireCredentials(string user, ReadOnlySpan<char> password)
    {
        ArgumentNullException.ThrowIfNull(user);
        User = user.Trim().ToUpperInvariant();
        _password = new byte[Encoding.UTF8.GetByteCount(password)];
        Encoding.UTF8.GetBytes(password, _password);
    }

    public MapepireCredentials(string user, ReadOnlySpan<byte> passwordUtf8)
    {
        ArgumentNullException.ThrowIfNull(user);
        User = user.Trim().ToUpperInvariant();
        _password = passwordUtf8.ToArray();
    }

    /// <summary>A new, independent copy (a pool owns and zeroes the copy it is given).</summary>
    public MapepireCredentials Copy()
    {
        var password = _password ?? throw new MapepireException(MapepireFailure.Disposed, "The credentials were disposed.");
        return new MapepireCredentials(User, password.AsSpan());
    }

    /// <summary>The user profile, upper-case (IBM i profiles are case-insensitive and stored upper-case).</summary>
    public string User { get; }

    public bool IsDisposed => Volatile.Read(ref _password) is null;

    /// <summary>
    /// Rejects what the server can never accept, before any socket is opened: the reference splits the decoded
    /// Basic header on ':' and refuses anything but two parts (spec §1.2), and refuses empty users, '*' in users
    /// and empty passwords.
    /// </summary>
    public void Validate()
    {
        var password = _password ?? throw new MapepireException(MapepireFailure.Disposed, "The credentials were disposed.");
        if (User.Length == 0 || User.Contains('*') || User.Contains(':'))
            throw new MapepireException(MapepireFailure.Authentication, "The IBM i user name is empty or contains '*' or ':'.");
        if (password.Length == 0)
            throw new MapepireException(MapepireFailure.Authentication, "The IBM i password is empty.");
        if (password.AsSpan().Contains((byte)':'))
            throw new MapepireException(MapepireFailure.Authentication,
                "Passwords containing ':' cannot sign on through Mapepire (the server splits Basic credentials on ':').");
    }

    /// <summary>The longest base64(user:password) <see cref="WriteBasicToken"/> can write.</summary>
    internal int MaxBasicTokenLength => Base64.GetMaxEncodedToUtf8Length(Encoding.UTF8.GetByteCount(User) + 1 + (_password?.Length ?? 0));

    /// <summary>
    /// Writes base64(user:password), the Basic credentials of the WebSocket upgrade, into <paramref name="destination"/>
    /// (which the caller zeroes after sending); the scratch bytes are zeroed here. Returns the bytes written.
    /// </summary>
    internal int WriteBasicToken(Span<byte> destination)
    {
        var password = _password ?? throw new MapepireException(MapepireFailure.Disposed, "The credentials were disposed.");
        var userBytes = Encoding.UTF8.GetByteCount(User);
        var length = userBytes + 1 + password.Length;
        var scratch = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            Encoding.UTF8.GetBytes(User, scratch);
            scratch[userBytes] = (byte)':';
            password.CopyTo(scratch, userBytes + 1);
            Base64.EncodeToUtf8(scratch.AsSpan(0, length), destination, out _, out var written);
            return written;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(scratch.AsSpan(0, length));
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _password, null) is { } p) CryptographicOperations.ZeroMemory(p);
    }
}
