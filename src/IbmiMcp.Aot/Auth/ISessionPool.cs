using IbmiMcp.Mapepire;

namespace IbmiMcp.Auth;

/// <summary>The per-token pool: statements run as the signed-on user; disposing closes every connection at once.</summary>
internal interface ISessionPool : ISqlRunner, IAsyncDisposable
{
}
