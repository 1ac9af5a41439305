#!/usr/bin/env node
import '../dist/bootstrap-node/main.js'
