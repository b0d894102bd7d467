using System.Runtime.InteropServices;

namespace IbmiMcp.Memory;

/// <summary>
/// glibc's <c>malloc_trim</c>, found at run time: OpenSSL's buffers of a burst of TLS sign-ons stay in malloc's arenas
/// after their connections close, and glibc gives free pages back only from the top of the heap unless asked.
/// Other C libraries (musl) have no such call, and there this does nothing.
/// </summary>
internal static unsafe class NativeHeap
{
    private static readonly delegate* unmanaged<nuint, int> s_trim = Find();

    public static bool CanTrim => s_trim != null;

    /// <summary>Returns the free pages of every malloc arena to the system; true when glibc released any.</summary>
    public static bool Trim() => s_trim != null && s_trim(0) != 0;

    private static delegate* unmanaged<nuint, int> Find()
    {
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libc.so.6", out var libc)) return null;
        return NativeLibrary.TryGetExport(libc, "malloc_trim", out var trim) ? (delegate* unmanaged<nuint, int>)trim : null;
    }
}
