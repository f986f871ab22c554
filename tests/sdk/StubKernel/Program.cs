internal static class Program
{
    private static int Main()
    {
        int answer = 6 * 7;
        return answer == 42 ? 0x21 : 1;
    }
}
