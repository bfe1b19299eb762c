package io.easyfaas.runtime.python3.internal;

/** The bootstrap's tests with a socket to connect to ({@code EASYFAAS_RUNTIME_SOCKET}), as bootstraps before protocol 1.3 had. */
class Python3BootstrapOverSocketPathTest extends Python3BootstrapTest {

    @Override
    protected boolean handsConnection() {
        return false;
    }
}
