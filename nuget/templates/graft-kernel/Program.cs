using Graft.Kernel;

static class Program
{
    static int Main()
    {
        Serial.WriteLine("Hello from C#, " + 6 * 7);
        return 0;
    }
}
