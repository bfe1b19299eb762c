WHO = 'my json'
