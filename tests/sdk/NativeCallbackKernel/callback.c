/* Native code between C# frames: calls the C# callback it is given. */
int native_call_back(int (*callback)(int), int value) {
    return callback(value) + 1;
}
